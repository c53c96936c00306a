package dev.spiffecsi.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every bad engine setting is a ConfigException naming its full key; all problems are reported together. */
class ConfigValidationTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "plugin-name             | \"csi_spiffe.io\"",
                "plugin-name             | \"-csi.spiffe.io\"",
                "plugin-name             | \"csi.spiffe.io.\"",
                "plugin-name             | \"csi spiffe\"",
                "plugin-name             | \"\"",
                "plugin-name             | \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
                "plugin-name             | [csi.spiffe.io]",
                "backend                 | \"BindMount\"",
                "backend                 | \"bind_mount\"",
                "backend                 | \"-bindmount\"",
                "backend                 | \"\"",
                "backend                 | \"../bindmount\"",
                "log.level               | \"verbose\"",
                "log.level               | \"\"",
                "log.format              | \"xml\"",
                "log.format              | \"\"",
                "csi-socket-path         | \"csi.sock\"",
                "csi-socket-path         | \"./spiffe-csi/csi.sock\"",
                "csi-socket-path         | \"\"",
                "workload-api-socket-dir | \"spire-agent-socket\"",
                "kubelet-pods-dir        | \"var/lib/kubelet/pods\"",
                "state-dir               | \"~/state\"",
                "state-dir               | \"/run/spiffe-csi\\u0000x\"",
                "shutdown-grace-period   | -1s",
                "shutdown-grace-period   | \"soon\"",
                "require-readonly-volume | \"maybe\"",
                "require-readonly-volume | 1",
                "require-readonly-volume | [true]",
                "node-id                 | [a, b]",
                "node-id-env             | [MY_NODE_NAME]",
                "metrics.listen-address  | \"9810\"",
                "metrics.listen-address  | \"localhost:http\"",
                "metrics.listen-address  | \":70000\"",
                "limits.volume-context-max-bytes | 100",
                "limits.volume-context-max-bytes | 2MiB",
                "limits.volume-context-max-bytes | \"lots\""
            })
    void badValueIsRejectedNamingItsFullKey(String key, String hoconValue) {
        ConfigException e = TestConfigs.failsWithFile(dir, "spiffe-csi." + key + " = " + hoconValue + "\n");

        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().startsWith("spiffe-csi." + key + ": "), e.getMessage());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "log.level               | verbose",
                "log.format              | yaml",
                "plugin-name             | csi_spiffe",
                "backend                 | Bind",
                "state-dir               | relative",
                "shutdown-grace-period   | -5m",
                "require-readonly-volume | sometimes"
            })
    void badValuesFromFlagsAndEnvironmentAreCheckedToo(String key, String value) {
        String fullKey = "spiffe-csi." + key;
        ConfigException fromFlag =
                assertThrows(ConfigException.class, () -> TestConfigs.load(Map.of(fullKey, value), Map.of()));
        ConfigException fromEnv = assertThrows(
                ConfigException.class,
                () -> TestConfigs.load(Map.of(), Map.of(ConfigLoader.environmentVariableFor(fullKey), value)));

        assertTrue(fromFlag.getMessage().startsWith(fullKey + ": "), fromFlag.getMessage());
        assertTrue(fromEnv.getMessage().startsWith(fullKey + ": "), fromEnv.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"':9810', 9810", "'127.0.0.1:9811', 9811", "'[::1]:9812', 9812"})
    void metricsListenAddresses(String given, int port) {
        assertEquals(
                port,
                TestConfigs.load(Map.of("spiffe-csi.metrics.listen-address", given), Map.of())
                        .settings()
                        .metricsAddress()
                        .orElseThrow()
                        .getPort());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a",
                "csi.spiffe.io",
                "CSI.Example-1.org",
                "x-y",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            })
    void acceptsCsiPluginNames(String name) {
        assertEquals(
                name,
                TestConfigs.load(Map.of("spiffe-csi.plugin-name", name), Map.of())
                        .settings()
                        .pluginName());
    }

    @ParameterizedTest
    @CsvSource({"trace, trace", "DEBUG, debug", "Info, info", "warn, warn", "ERROR, error", "' warn ', warn"})
    void logLevelsAreCaseInsensitiveAndNormalised(String given, String expected) {
        assertEquals(
                expected,
                TestConfigs.load(Map.of("spiffe-csi.log.level", given), Map.of())
                        .settings()
                        .log()
                        .level());
    }

    @ParameterizedTest
    @CsvSource({"text, TEXT", "TEXT, TEXT", "json, JSON", "Json, JSON"})
    void logFormatsAreCaseInsensitive(String given, LogSettings.Format expected) {
        assertEquals(
                expected,
                TestConfigs.load(Map.of("spiffe-csi.log.format", given), Map.of())
                        .settings()
                        .log()
                        .format());
    }

    @ParameterizedTest
    @CsvSource({"0s, 0", "0, 0", "250ms, 250", "2m, 120000"})
    void shutdownGracePeriodAcceptsZeroAndHoconDurations(String given, long millis) {
        assertEquals(
                millis,
                TestConfigs.loadFile(dir, "spiffe-csi.shutdown-grace-period = " + given)
                        .settings()
                        .shutdownGracePeriod()
                        .toMillis());
    }

    @ParameterizedTest
    @CsvSource({"true, true", "false, false", "yes, true", "off, false"})
    void requireReadonlyVolumeAcceptsHoconBooleans(String given, boolean expected) {
        assertEquals(
                expected,
                TestConfigs.load(Map.of(), Map.of("SPIFFE_CSI_REQUIRE_READONLY_VOLUME", given))
                        .settings()
                        .requireReadonlyVolume());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {"16KiB | 16384", "1024 | 1024", "1MiB | 1048576"})
    void volumeContextLimitAcceptsHoconSizes(String given, int bytes) {
        assertEquals(
                bytes,
                TestConfigs.loadFile(dir, "spiffe-csi.limits.volume-context-max-bytes = " + given)
                        .settings()
                        .volumeContextMaxBytes());
    }

    @Test
    void pathsAreNormalised() {
        DriverSettings s = TestConfigs.load(
                        Map.of(
                                "spiffe-csi.csi-socket-path",
                                "/a/./b/../csi.sock",
                                "spiffe-csi.kubelet-pods-dir",
                                "/var/lib/kubelet/pods/"),
                        Map.of())
                .settings();

        assertEquals(Path.of("/a/csi.sock"), s.csiSocketPath());
        assertEquals("/var/lib/kubelet/pods", s.kubeletPodsDir().toString());
    }

    @Test
    void everyProblemIsReportedInOneException() {
        ConfigException e = TestConfigs.failsWithFile(dir, """
                spiffe-csi {
                  plugin-name = "not a name"
                  backend = "Upper"
                  csi-socket-path = "csi.sock"
                  workload-api-socket-dir = "agent"
                  kubelet-pods-dir = "pods"
                  state-dir = "state"
                  shutdown-grace-period = -1s
                  require-readonly-volume = "perhaps"
                  log { level = loud, format = xml }
                }
                """);

        List<String> keys = List.of(
                "plugin-name",
                "backend",
                "csi-socket-path",
                "workload-api-socket-dir",
                "kubelet-pods-dir",
                "state-dir",
                "shutdown-grace-period",
                "require-readonly-volume",
                "log.level",
                "log.format");
        assertEquals(keys.size(), e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().startsWith("invalid configuration:\n  - "), e.getMessage());
        for (String key : keys) {
            assertTrue(
                    e.problems().stream().anyMatch(p -> p.startsWith("spiffe-csi." + key + ": ")),
                    key + " in " + e.problems());
            assertTrue(e.getMessage().contains("\n  - spiffe-csi." + key + ": "), key + " in " + e.getMessage());
        }
    }

    @Test
    void unknownKeysAndBadValuesAreReportedTogether() {
        ConfigException e = TestConfigs.failsWithFile(dir, """
                spiffe-csi.plugn-name = "x"
                spiffe-csi.log.level = loud
                """);

        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("spiffe-csi.plugn-name: unknown key"), e.getMessage());
        assertTrue(e.getMessage().contains("spiffe-csi.log.level: \"loud\""), e.getMessage());
    }

    // ---- node id ----------------------------------------------------------------------------------------------

    @Test
    void nodeIdFlagWinsOverTheNodeIdVariable() {
        DriverSettings s = TestConfigs.load(
                        Map.of("spiffe-csi.node-id", "from-flag"), Map.of("MY_NODE_NAME", "from-env"))
                .settings();

        assertEquals("from-flag", s.nodeId());
    }

    @Test
    void nodeIdComesFromMyNodeNameByDefault() {
        assertEquals(
                "node-1",
                TestConfigs.load(Map.of(), Map.of("MY_NODE_NAME", " node-1\n"))
                        .settings()
                        .nodeId());
    }

    @Test
    void nodeIdEnvNamesTheVariableToRead() {
        DriverSettings s = TestConfigs.load(
                        Map.of("spiffe-csi.node-id-env", "K8S_NODE"),
                        Map.of("MY_NODE_NAME", "wrong", "K8S_NODE", "right"))
                .settings();

        assertEquals("right", s.nodeId());
        assertEquals("K8S_NODE", s.nodeIdEnv());
    }

    @Test
    void nodeIdEnvNamingAnUnsetVariableGivesAnEmptyNodeId() {
        assertEquals(
                "",
                TestConfigs.load(Map.of("spiffe-csi.node-id-env", "K8S_NODE"), Map.of("MY_NODE_NAME", "wrong"))
                        .settings()
                        .nodeId());
    }

    @Test
    void emptyNodeIdEnvReadsNoVariable() {
        assertEquals(
                "",
                TestConfigs.load(Map.of("spiffe-csi.node-id-env", ""), Map.of("MY_NODE_NAME", "wrong", "", "weird"))
                        .settings()
                        .nodeId());
    }

    @Test
    void nodeIdIsEmptyWhenNeitherIsSet() {
        assertEquals("", TestConfigs.load(Map.of(), Map.of()).settings().nodeId());
    }

    @Test
    void nodeIdFromTheFileOrItsOwnVariableAlsoWinsOverTheNodeIdVariable() {
        assertEquals(
                "from-file",
                TestConfigs.load(
                                Map.of(),
                                Map.of("MY_NODE_NAME", "from-env"),
                                Optional.of(TestConfigs.write(dir, "driver.conf", "spiffe-csi.node-id = from-file")))
                        .settings()
                        .nodeId());
        assertEquals(
                "from-key-variable",
                TestConfigs.load(
                                Map.of(), Map.of("MY_NODE_NAME", "from-env", "SPIFFE_CSI_NODE_ID", "from-key-variable"))
                        .settings()
                        .nodeId());
    }
}
