package dev.spiffecsi.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads the driver configuration from its layers (flags, environment, {@code --config} file, the jars'
 * {@code reference.conf}), checks the file for keys nobody reads, and reads the engine's settings eagerly.
 */
public final class ConfigLoader {

    public static final String ROOT = "spiffe-csi";
    public static final String BACKENDS = ROOT + ".backends";
    static final String ENV_PREFIX = "SPIFFE_CSI_";

    private ConfigLoader() {}

    /**
     * @throws ConfigException listing every problem, each naming its key
     */
    public static LoadedConfig load(ConfigSources sources) {
        Config reference = ConfigFactory.parseResources(sources.classLoader(), "reference.conf")
                .resolve();
        Config file = sources.configFile().map(ConfigLoader::parseFile).orElse(ConfigFactory.empty());
        List<String> problems = new ArrayList<>();
        Config environment = environmentLayer(reference, sources.environment(), problems);
        Config flags = ConfigFactory.parseMap(sources.overrides(), "command-line flags");

        List<String> warnings = new ArrayList<>();
        Config effective;
        Config root;
        try {
            problems.addAll(unknownKeys(file, reference, warnings));
            effective = flags.withFallback(environment)
                    .withFallback(file)
                    .withFallback(reference)
                    .resolve();
            root = effective.getConfig(ROOT);
        } catch (com.typesafe.config.ConfigException e) {
            // e.g. `spiffe-csi = 5` in the file, or an unresolvable substitution; the message names key and origin
            problems.add(e.getMessage());
            throw new ConfigException(problems);
        }
        DriverSettings settings = SettingsReader.read(root, sources.environment(), problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new LoadedConfig(settings, effective, warnings);
    }

    /** The environment variable that overrides {@code key}, e.g. {@code SPIFFE_CSI_LOG_LEVEL}. */
    public static String environmentVariableFor(String key) {
        String relative = key.startsWith(ROOT + ".") ? key.substring(ROOT.length() + 1) : key;
        return ENV_PREFIX + relative.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static Config parseFile(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new ConfigException("--config " + path + ": no such file");
        }
        try {
            return ConfigFactory.parseFile(
                    path.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException("--config " + path + ": " + e.getMessage());
        }
    }

    /** One override per known key whose environment variable is set; lists are given in HOCON syntax. */
    private static Config environmentLayer(Config reference, Map<String, String> environment, List<String> problems) {
        Map<String, Object> values = new HashMap<>();
        for (Map.Entry<String, ConfigValue> entry : reference.getConfig(ROOT).entrySet()) {
            String key = ROOT + "." + entry.getKey();
            String raw = environment.get(environmentVariableFor(key));
            if (raw == null) {
                continue;
            }
            if (entry.getValue().valueType() == ConfigValueType.LIST) {
                try {
                    values.put(
                            key,
                            ConfigFactory.parseString("v = " + raw)
                                    .getValue("v")
                                    .unwrapped());
                } catch (com.typesafe.config.ConfigException e) {
                    problems.add(key + ": environment variable " + environmentVariableFor(key)
                            + " is not a HOCON list such as [a, b]: " + e.getMessage());
                }
            } else {
                values.put(key, raw);
            }
        }
        return ConfigFactory.parseMap(values, "environment").withFallback(ConfigValueFactory.fromMap(Map.of()));
    }

    /**
     * Keys under {@code spiffe-csi} that no reference.conf declares are typos: errors. A section for a backend
     * that is not installed is only a warning, so one configuration can serve several images.
     */
    private static List<String> unknownKeys(Config file, Config reference, List<String> warnings) {
        if (!file.hasPath(ROOT)) {
            return List.of();
        }
        List<String> problems = new ArrayList<>();
        Set<String> missingBackends = new TreeSet<>();
        for (Map.Entry<String, ConfigValue> entry : file.getConfig(ROOT).entrySet()) {
            String key = ROOT + "." + entry.getKey();
            if (reference.hasPathOrNull(key)) {
                continue;
            }
            String backend = backendOf(key);
            if (backend != null && !reference.hasPath(BACKENDS + "." + ConfigUtil.quoteString(backend))) {
                missingBackends.add(backend);
            } else {
                problems.add(key + ": unknown key (" + entry.getValue().origin().description() + ")");
            }
        }
        missingBackends.forEach(b -> warnings.add(
                BACKENDS + "." + b + " configures a backend that is not installed; the section is ignored"));
        return problems;
    }

    /** The backend a key of the file belongs to; keys are path expressions, whose elements may be quoted. */
    private static String backendOf(String key) {
        List<String> elements = ConfigUtil.splitPath(key);
        return elements.size() > 2 && ROOT.equals(elements.get(0)) && "backends".equals(elements.get(1))
                ? elements.get(2)
                : null;
    }
}
