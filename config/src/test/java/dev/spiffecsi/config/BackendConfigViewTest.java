package dev.spiffecsi.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.spi.BackendConfig;
import dev.spiffecsi.spi.BackendException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** LoadedConfig.backendConfig(name): the SPI's typed, read-only view of spiffe-csi.backends.name. */
class BackendConfigViewTest {

    private static final String SECTION = "spiffe-csi.backends.testbackend";

    @TempDir
    Path dir;

    private static BackendConfig defaults() {
        return TestConfigs.load(Map.of(), Map.of()).backendConfig("testbackend");
    }

    @Test
    void readsTypedValuesFromTheBackendsReferenceConf() {
        BackendConfig config = defaults();

        assertEquals(SECTION, config.path());
        assertEquals("a.sock", config.getString("socket-name"));
        assertEquals(3, config.getInt("retries"));
        assertEquals(Duration.ofSeconds(2), config.getDuration("timeout"));
        assertEquals(List.of("a", "b"), config.getStringList("names"));
        assertFalse(config.getBoolean("enabled"));
        assertEquals(Path.of("/var/lib/testbackend"), config.getAbsolutePath("dir"));
        assertEquals(1, config.getInt("nested.depth"));
    }

    @Test
    void keysAreTheSectionsLeavesRelativeToTheSection() {
        BackendConfig config = defaults();

        assertEquals(
                Set.of("socket-name", "retries", "timeout", "names", "enabled", "dir", "nested.depth"), config.keys());
        assertTrue(config.hasPath("retries"));
        assertTrue(config.hasPath("nested"));
        assertTrue(config.hasPath("nested.depth"));
        assertFalse(config.hasPath("absent"));
        assertFalse(config.hasPath(SECTION + ".retries"));
    }

    @Test
    void fileValuesOverrideTheReferenceInTheView() {
        BackendConfig config = TestConfigs.loadFile(dir, """
                spiffe-csi.backends.testbackend {
                  socket-name = "b.sock"
                  retries = "12"
                  timeout = 750ms
                  names = [c]
                  enabled = on
                  dir = "/srv/x/../y"
                }
                """).backendConfig("testbackend");

        assertEquals("b.sock", config.getString("socket-name"));
        assertEquals(12, config.getInt("retries"));
        assertEquals(Duration.ofMillis(750), config.getDuration("timeout"));
        assertEquals(List.of("c"), config.getStringList("names"));
        assertTrue(config.getBoolean("enabled"));
        assertEquals(Path.of("/srv/y"), config.getAbsolutePath("dir"));
    }

    @Test
    void returnedListCannotBeModified() {
        List<String> names = defaults().getStringList("names");

        assertThrows(UnsupportedOperationException.class, () -> names.add("c"));
    }

    static Stream<Arguments> badReads() {
        return Stream.of(
                Arguments.of("getInt(socket-name)", "socket-name", (BiConsumer<BackendConfig, String>)
                        BackendConfig::getInt),
                Arguments.of("getInt(names)", "names", (BiConsumer<BackendConfig, String>) BackendConfig::getInt),
                Arguments.of("getBoolean(socket-name)", "socket-name", (BiConsumer<BackendConfig, String>)
                        BackendConfig::getBoolean),
                Arguments.of("getDuration(socket-name)", "socket-name", (BiConsumer<BackendConfig, String>)
                        BackendConfig::getDuration),
                Arguments.of("getStringList(socket-name)", "socket-name", (BiConsumer<BackendConfig, String>)
                        BackendConfig::getStringList),
                Arguments.of("getString(names)", "names", (BiConsumer<BackendConfig, String>) BackendConfig::getString),
                Arguments.of(
                        "getString(nested)", "nested", (BiConsumer<BackendConfig, String>) BackendConfig::getString),
                Arguments.of("getAbsolutePath(socket-name)", "socket-name", (BiConsumer<BackendConfig, String>)
                        BackendConfig::getAbsolutePath),
                Arguments.of("getAbsolutePath(names)", "names", (BiConsumer<BackendConfig, String>)
                        BackendConfig::getAbsolutePath),
                Arguments.of(
                        "getString(absent)", "absent", (BiConsumer<BackendConfig, String>) BackendConfig::getString),
                Arguments.of("getInt(absent)", "absent", (BiConsumer<BackendConfig, String>) BackendConfig::getInt),
                Arguments.of(
                        "getBoolean(absent)", "absent", (BiConsumer<BackendConfig, String>) BackendConfig::getBoolean),
                Arguments.of("getDuration(absent)", "absent", (BiConsumer<BackendConfig, String>)
                        BackendConfig::getDuration),
                Arguments.of("getStringList(absent)", "absent", (BiConsumer<BackendConfig, String>)
                        BackendConfig::getStringList),
                Arguments.of("getInt(nested.absent)", "nested.absent", (BiConsumer<BackendConfig, String>)
                        BackendConfig::getInt));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badReads")
    void wrongTypeOrMissingKeyIsInvalidConfigNamingTheFullKey(
            String name, String key, BiConsumer<BackendConfig, String> read) {
        BackendConfig config = defaults();

        BackendException e = assertThrows(BackendException.class, () -> read.accept(config, key));

        assertEquals(BackendException.Failure.INVALID_CONFIG, e.failure());
        assertTrue(e.getMessage().startsWith(SECTION + "." + key + ": "), e.getMessage());
    }

    @Test
    void missingKeySaysItIsNotSet() {
        BackendException e =
                assertThrows(BackendException.class, () -> defaults().getString("absent"));

        assertEquals(SECTION + ".absent: is not set", e.getMessage());
    }

    @Test
    void wrongTypeFromTheFileIsReportedWhenRead() {
        BackendConfig config = TestConfigs.loadFile(dir, """
                spiffe-csi.backends.testbackend { retries = "many", timeout = "soon", enabled = "maybe" }
                """).backendConfig("testbackend");

        for (String key : List.of("retries", "timeout", "enabled")) {
            BackendException e = assertThrows(BackendException.class, () -> {
                switch (key) {
                    case "retries" -> config.getInt(key);
                    case "timeout" -> config.getDuration(key);
                    default -> config.getBoolean(key);
                }
            });
            assertEquals(BackendException.Failure.INVALID_CONFIG, e.failure());
            assertTrue(e.getMessage().startsWith(SECTION + "." + key + ": "), e.getMessage());
        }
    }

    @Test
    void wrongTypeFromTheEnvironmentNamesTheKey() {
        BackendConfig config = TestConfigs.load(Map.of(), Map.of("SPIFFE_CSI_BACKENDS_TESTBACKEND_RETRIES", "x"))
                .backendConfig("testbackend");

        BackendException e = assertThrows(BackendException.class, () -> config.getInt("retries"));

        assertTrue(e.getMessage().startsWith("spiffe-csi.backends.testbackend.retries: "), e.getMessage());
    }

    @Test
    void relativePathIsInvalidNamingTheKey() {
        BackendConfig config = TestConfigs.loadFile(dir, "spiffe-csi.backends.testbackend.dir = \"var/x\"")
                .backendConfig("testbackend");

        BackendException e = assertThrows(BackendException.class, () -> config.getAbsolutePath("dir"));

        assertEquals(BackendException.Failure.INVALID_CONFIG, e.failure());
        assertEquals(SECTION + ".dir: must be an absolute path, got \"var/x\"", e.getMessage());
    }

    @Test
    void absentSectionYieldsAnEmptyView() {
        BackendConfig config = TestConfigs.load(Map.of(), Map.of()).backendConfig("nothere");

        assertEquals("spiffe-csi.backends.nothere", config.path());
        assertEquals(Set.of(), config.keys());
        assertFalse(config.hasPath("x"));
        BackendException e = assertThrows(BackendException.class, () -> config.getString("x"));
        assertEquals(BackendException.Failure.INVALID_CONFIG, e.failure());
        assertEquals("spiffe-csi.backends.nothere.x: is not set", e.getMessage());
    }

    @Test
    void sectionOfANotInstalledBackendFromTheFileIsStillReadable() {
        BackendConfig config = TestConfigs.loadFile(dir, "spiffe-csi.backends.notinstalled { size = 2 }")
                .backendConfig("notinstalled");

        assertEquals(Set.of("size"), config.keys());
        assertEquals(2, config.getInt("size"));
    }

    @Test
    void viewSeesOnlyItsOwnSection() {
        LoadedConfig loaded = TestConfigs.loadFile(dir, "spiffe-csi.backends.other { retries = 8 }");

        assertFalse(loaded.backendConfig("testbackend").hasPath("plugin-name"));
        assertEquals(3, loaded.backendConfig("testbackend").getInt("retries"));
        assertEquals(Set.of("retries"), loaded.backendConfig("other").keys());
        assertEquals(8, loaded.backendConfig("other").getInt("retries"));
    }

    /** Regression: a section that is not an object used to escape as typesafe's WrongType from backendConfig. */
    @Test
    void sectionThatIsNotAnObjectIsInvalidConfigNamingTheSection() {
        LoadedConfig loaded = TestConfigs.loadFile(dir, "spiffe-csi.backends.testbackend = \"x\"");

        BackendException e = assertThrows(BackendException.class, () -> loaded.backendConfig("testbackend"));

        assertEquals(BackendException.Failure.INVALID_CONFIG, e.failure());
        assertTrue(e.getMessage().startsWith(SECTION + ": "), e.getMessage());
    }
}
