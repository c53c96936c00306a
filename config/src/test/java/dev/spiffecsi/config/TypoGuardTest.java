package dev.spiffecsi.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Keys in the --config file under spiffe-csi that nobody reads are typos. */
class TypoGuardTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "spiffe-csi.plugn-name = x                                 | spiffe-csi.plugn-name",
                "spiffe-csi { log { colour = true } }                      | spiffe-csi.log.colour",
                "spiffe-csi.backends.testbackend.socket-nmae = b.sock      | spiffe-csi.backends.testbackend.socket-nmae",
                "spiffe-csi.backends.testbackend.nested.deepth = 2         | spiffe-csi.backends.testbackend.nested.deepth",
                "spiffe-csi.backends.testbackend.retries.x = 1             | spiffe-csi.backends.testbackend.retries.x"
            })
    void unknownKeyIsAnErrorNamingTheKeyAndTheFile(String content, String key) {
        ConfigException e = TestConfigs.failsWithFile(dir, content + "\n");

        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().startsWith(key + ": unknown key"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.resolve("driver.conf").toString()), e.getMessage());
    }

    @Test
    void everyUnknownKeyIsListed() {
        ConfigException e = TestConfigs.failsWithFile(dir, """
                spiffe-csi {
                  plugin-nam = x
                  stat-dir = /y
                  backends.testbackend { retry = 1, retries = 2 }
                }
                """);

        assertEquals(3, e.problems().size(), e.getMessage());
        for (String key :
                List.of("spiffe-csi.plugin-nam", "spiffe-csi.stat-dir", "spiffe-csi.backends.testbackend.retry")) {
            assertTrue(e.problems().stream().anyMatch(p -> p.startsWith(key + ": unknown key")), key);
        }
    }

    @Test
    void sectionForABackendThatIsNotInstalledIsOnlyAWarning() {
        LoadedConfig loaded = TestConfigs.loadFile(dir, """
                spiffe-csi.backends.notinstalled { a = 1, b { c = 2 } }
                spiffe-csi.backends.other.x = y
                spiffe-csi.backends.testbackend.retries = 4
                """);

        assertEquals(
                List.of(
                        "spiffe-csi.backends.notinstalled configures a backend that is not installed; the section is ignored",
                        "spiffe-csi.backends.other configures a backend that is not installed; the section is ignored"),
                loaded.warnings());
        assertEquals(4, loaded.backendConfig("testbackend").getInt("retries"));
    }

    @Test
    void aKnownFileHasNoWarnings() {
        LoadedConfig loaded = TestConfigs.loadFile(dir, """
                spiffe-csi {
                  plugin-name = "csi.example.org"
                  log.level = debug
                  backends.testbackend { retries = 4, names = [] }
                }
                """);

        assertEquals(List.of(), loaded.warnings());
        assertEquals(List.of(), loaded.backendConfig("testbackend").getStringList("names"));
    }

    @Test
    void keysOutsideSpiffeCsiAreIgnored() {
        LoadedConfig loaded = TestConfigs.loadFile(dir, """
                akka.loglevel = DEBUG
                other { spiffe-csi { plugin-name = "not checked" } }
                spiffe-csi-extra.typo = 1
                """);

        assertEquals(List.of(), loaded.warnings());
        assertEquals("csi.spiffe.io", loaded.settings().pluginName());
    }

    @Test
    void unknownKeysGivenAsFlagsOrEnvironmentAreNotFileTypos() {
        LoadedConfig loaded = TestConfigs.load(Map.of("spiffe-csi.extra", "1"), Map.of("SPIFFE_CSI_EXTRA", "2"));

        assertEquals(List.of(), loaded.warnings());
    }

    @Test
    void missingConfigFileIsAClearError() {
        Path missing = dir.resolve("nope.conf");

        ConfigException e =
                assertThrows(ConfigException.class, () -> TestConfigs.load(Map.of(), Map.of(), Optional.of(missing)));

        assertEquals("--config " + missing + ": no such file", e.getMessage());
    }

    @Test
    void directoryAsConfigFileIsAClearError() throws IOException {
        Path directory = Files.createDirectory(dir.resolve("conf.d"));

        ConfigException e =
                assertThrows(ConfigException.class, () -> TestConfigs.load(Map.of(), Map.of(), Optional.of(directory)));

        assertEquals("--config " + directory + ": no such file", e.getMessage());
    }

    @Test
    void malformedConfigFileIsAnErrorNamingTheFile() {
        ConfigException e = TestConfigs.failsWithFile(dir, "spiffe-csi { plugin-name = \n");

        assertTrue(e.getMessage().startsWith("--config " + dir.resolve("driver.conf") + ": "), e.getMessage());
    }

    @Test
    void unresolvableSubstitutionInTheFileIsAConfigException() {
        ConfigException e = TestConfigs.failsWithFile(dir, "spiffe-csi.plugin-name = ${spiffe-csi.no-such-key}\n");

        assertTrue(e.getMessage().contains("no-such-key"), e.getMessage());
    }

    @Test
    void substitutionsInTheFileSeeTheOtherLayers() {
        LoadedConfig loaded = TestConfigs.load(
                Map.of("spiffe-csi.workload-api-socket-dir", "/agent"),
                Map.of(),
                Optional.of(TestConfigs.write(
                        dir,
                        "driver.conf",
                        "spiffe-csi.state-dir = ${spiffe-csi.workload-api-socket-dir}\"/state\"\n")));

        assertEquals(Path.of("/agent/state"), loaded.settings().stateDir());
    }

    /** Regression: a quoted backend name used to escape as typesafe's BadPath instead of a warning. */
    @Test
    void sectionForANotInstalledBackendWithAQuotedNameIsAWarning() {
        LoadedConfig loaded = TestConfigs.loadFile(dir, "spiffe-csi.backends.\"a.b\".x = 1\n");

        assertEquals(
                List.of("spiffe-csi.backends.a.b configures a backend that is not installed; the section is ignored"),
                loaded.warnings());
    }

    @Test
    void quotedUnknownKeyInAnInstalledBackendIsAnError() {
        ConfigException e = TestConfigs.failsWithFile(dir, "spiffe-csi.backends.testbackend.\"socket.name\" = x\n");

        assertTrue(
                e.getMessage().startsWith("spiffe-csi.backends.testbackend.\"socket.name\": unknown key"),
                e.getMessage());
    }

    /** Regression: a non-object spiffe-csi in the file used to escape as typesafe's WrongType. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {"spiffe-csi = 5", "spiffe-csi = null", "spiffe-csi = [a]"})
    void spiffeCsiThatIsNotAnObjectIsAConfigExceptionNamingTheFile(String content) {
        ConfigException e = TestConfigs.failsWithFile(dir, content + "\n");

        assertTrue(e.getMessage().contains(dir.resolve("driver.conf").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("spiffe-csi"), e.getMessage());
    }
}
