package dev.spiffecsi.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where configuration comes from, highest precedence first.
 *
 * @param overrides   key to value, from command-line flags
 * @param environment the process environment (variables {@code SPIFFE_CSI_*}, and the one named by node-id-env)
 * @param configFile  the file given with {@code --config}
 * @param classLoader finds every jar's {@code reference.conf}, including backend jars in {@code plugins/}
 */
public record ConfigSources(
        Map<String, String> overrides,
        Map<String, String> environment,
        Optional<Path> configFile,
        ClassLoader classLoader) {
    public ConfigSources {
        overrides = Map.copyOf(overrides);
        environment = Map.copyOf(environment);
    }
}
