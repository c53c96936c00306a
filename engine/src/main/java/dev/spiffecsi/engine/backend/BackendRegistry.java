package dev.spiffecsi.engine.backend;

import dev.spiffecsi.spi.BackendProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The backends found with {@link ServiceLoader}. Two providers with the same name, or a selected name nobody
 * provides, stop the driver at startup with a message that says what is available and how to add a backend.
 */
public final class BackendRegistry {

    private final Map<String, BackendProvider> byName;

    private BackendRegistry(Map<String, BackendProvider> byName) {
        this.byName = byName;
    }

    /** Discovers every provider visible to {@code classLoader} (the class path plus {@code plugins/}). */
    public static BackendRegistry discover(ClassLoader classLoader) {
        Map<String, BackendProvider> byName = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        try {
            for (BackendProvider provider : ServiceLoader.load(BackendProvider.class, classLoader)) {
                register(byName, provider, problems);
            }
        } catch (ServiceConfigurationError e) {
            problems.add("a backend provider could not be loaded: " + e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new BackendSelectionException(String.join("; ", problems));
        }
        return new BackendRegistry(byName);
    }

    /** A registry of exactly these providers, for tests and embedding. */
    public static BackendRegistry of(Collection<BackendProvider> providers) {
        Map<String, BackendProvider> byName = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        providers.forEach(p -> register(byName, p, problems));
        if (!problems.isEmpty()) {
            throw new BackendSelectionException(String.join("; ", problems));
        }
        return new BackendRegistry(byName);
    }

    private static void register(Map<String, BackendProvider> byName, BackendProvider provider, List<String> problems) {
        BackendProvider previous = byName.putIfAbsent(provider.name(), provider);
        if (previous != null) {
            problems.add("two backends are named \"" + provider.name() + "\": " + describe(previous) + " and "
                    + describe(provider) + "; remove one of the jars");
        }
    }

    /** The provider named {@code name}. */
    public BackendProvider select(String name) {
        BackendProvider provider = byName.get(name);
        if (provider == null) {
            throw new BackendSelectionException("unknown backend \"" + name + "\"; available backends: "
                    + (byName.isEmpty() ? "none" : String.join(", ", byName.keySet()))
                    + ". To add one, put its jar (with a META-INF/services/" + BackendProvider.class.getName()
                    + " entry) in the distribution's plugins/ directory");
        }
        return provider;
    }

    public Collection<BackendProvider> providers() {
        return byName.values();
    }

    /** Where a provider's class was loaded from (its jar), or "unknown". */
    public static String origin(BackendProvider provider) {
        var source = provider.getClass().getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return "unknown";
        }
        try {
            return Path.of(source.getLocation().toURI()).toString();
        } catch (Exception e) {
            return source.getLocation().toString();
        }
    }

    private static String describe(BackendProvider provider) {
        return provider.getClass().getName() + " (" + origin(provider) + ")";
    }

    /** The backend configuration cannot be satisfied. */
    public static final class BackendSelectionException extends RuntimeException {
        public BackendSelectionException(String message) {
            super(message);
        }
    }
}
