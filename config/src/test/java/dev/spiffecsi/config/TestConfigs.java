package dev.spiffecsi.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Loads configurations from real files, with the test class path (which installs the fake "testbackend"). */
final class TestConfigs {

    static final ClassLoader LOADER = TestConfigs.class.getClassLoader();

    private TestConfigs() {}

    static Path write(Path dir, String name, String content) {
        try {
            return Files.writeString(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LoadedConfig load(Map<String, String> flags, Map<String, String> environment, Optional<Path> file) {
        return ConfigLoader.load(new ConfigSources(flags, environment, file, LOADER));
    }

    static LoadedConfig load(Map<String, String> flags, Map<String, String> environment) {
        return load(flags, environment, Optional.empty());
    }

    /** Loads with {@code content} as the --config file (written to {@code dir/driver.conf}). */
    static LoadedConfig loadFile(Path dir, String content) {
        return load(Map.of(), Map.of(), Optional.of(write(dir, "driver.conf", content)));
    }

    static ConfigException failsWithFile(Path dir, String content) {
        return org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> loadFile(dir, content));
    }
}
