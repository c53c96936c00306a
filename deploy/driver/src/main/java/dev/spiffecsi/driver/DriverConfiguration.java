package dev.spiffecsi.driver;

import dev.spiffecsi.config.ConfigLoader;
import dev.spiffecsi.config.ConfigSources;
import dev.spiffecsi.config.DriverFlags;
import dev.spiffecsi.config.Flags;
import dev.spiffecsi.config.LoadedConfig;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Parses the driver flags of a command and loads the configuration they point at. */
final class DriverConfiguration {

    private static final Flags FLAGS;

    static {
        Set<String> valued = new HashSet<>(DriverFlags.ORDERED);
        valued.add(DriverFlags.CONFIG);
        FLAGS = new Flags(valued, Set.of());
    }

    private DriverConfiguration() {}

    static Flags flags() {
        return FLAGS;
    }

    static LoadedConfig load(List<String> args) {
        Flags.Parsed parsed = FLAGS.parse(args);
        if (!parsed.positional().isEmpty()) {
            throw new dev.spiffecsi.config.ConfigException(
                    "unexpected argument " + parsed.positional().get(0));
        }
        return ConfigLoader.load(new ConfigSources(
                DriverFlags.overrides(parsed),
                System.getenv(),
                Optional.ofNullable(parsed.values().get(DriverFlags.CONFIG)).map(Path::of),
                Thread.currentThread().getContextClassLoader()));
    }
}
