package dev.spiffecsi.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.spiffecsi.spi.BackendConfig;
import dev.spiffecsi.spi.BackendException;
import java.util.List;

/**
 * The loaded configuration: the engine's settings, every backend section, and warnings to log at startup.
 */
public final class LoadedConfig {

    private final DriverSettings settings;
    private final Config effective;
    private final List<String> warnings;

    LoadedConfig(DriverSettings settings, Config effective, List<String> warnings) {
        this.settings = settings;
        this.effective = effective;
        this.warnings = List.copyOf(warnings);
    }

    public DriverSettings settings() {
        return settings;
    }

    public List<String> warnings() {
        return warnings;
    }

    /** The read-only view of {@code spiffe-csi.backends.<name>}, empty when no jar or file declares it. */
    public BackendConfig backendConfig(String name) {
        String path = ConfigLoader.BACKENDS + "." + name;
        Config section;
        try {
            section = effective.hasPath(path) ? effective.getConfig(path) : ConfigFactory.empty();
        } catch (com.typesafe.config.ConfigException e) {
            // e.g. `spiffe-csi.backends.<name> = "x"`: the section is not an object
            throw new BackendException(BackendException.Failure.INVALID_CONFIG, path + ": " + e.getMessage(), e);
        }
        return new TypesafeBackendConfig(path, section);
    }

    /** The effective {@code spiffe-csi} tree in HOCON, for {@code check-config}. */
    public String render() {
        return effective
                .getConfig(ConfigLoader.ROOT)
                .atKey(ConfigLoader.ROOT)
                .root()
                .render(ConfigRenderOptions.defaults()
                        .setOriginComments(false)
                        .setComments(false)
                        .setJson(false));
    }
}
