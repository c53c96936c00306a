package dev.spiffecsi.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.spi.BackendConfig;
import dev.spiffecsi.spi.BackendException;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** flags > environment (SPIFFE_CSI_*) > --config file > reference.conf, for engine and backend keys. */
class ConfigPrecedenceTest {

    @TempDir
    Path dir;

    /**
     * Each layer either sets the key (to a value naming the layer) or not; the highest layer that sets it wins,
     * and the reference.conf default shows through when none does.
     */
    @ParameterizedTest(name = "file={0} env={1} flag={2} -> {3}")
    @CsvSource({
        "false, false, false, info",
        "true,  false, false, warn",
        "false, true,  false, error",
        "true,  true,  false, error",
        "false, false, true,  debug",
        "true,  false, true,  debug",
        "false, true,  true,  debug",
        "true,  true,  true,  debug"
    })
    void logLevelComesFromTheHighestLayerThatSetsIt(boolean file, boolean env, boolean flag, String expected) {
        Optional<Path> config = file
                ? Optional.of(TestConfigs.write(dir, "driver.conf", "spiffe-csi.log.level = warn\n"))
                : Optional.empty();
        Map<String, String> environment = env ? Map.of("SPIFFE_CSI_LOG_LEVEL", "error") : Map.of();
        Map<String, String> flags = flag ? Map.of("spiffe-csi.log.level", "debug") : Map.of();

        LoadedConfig loaded = TestConfigs.load(flags, environment, config);

        assertEquals(expected, loaded.settings().log().level());
    }

    @ParameterizedTest(name = "file={0} env={1} flag={2} -> {3}")
    @CsvSource({
        "false, false, false, 3",
        "true,  false, false, 5",
        "false, true,  false, 7",
        "true,  true,  false, 7",
        "false, false, true,  9",
        "true,  true,  true,  9"
    })
    void backendKeyComesFromTheHighestLayerThatSetsIt(boolean file, boolean env, boolean flag, int expected) {
        Optional<Path> config = file
                ? Optional.of(
                        TestConfigs.write(dir, "driver.conf", "spiffe-csi.backends.testbackend { retries = 5 }\n"))
                : Optional.empty();
        Map<String, String> environment = env ? Map.of("SPIFFE_CSI_BACKENDS_TESTBACKEND_RETRIES", "7") : Map.of();
        Map<String, String> flags = flag ? Map.of("spiffe-csi.backends.testbackend.retries", "9") : Map.of();

        LoadedConfig loaded = TestConfigs.load(flags, environment, config);

        assertEquals(expected, loaded.backendConfig("testbackend").getInt("retries"));
    }

    @Test
    void referenceDefaultsApplyWhenNothingElseIsGiven() {
        DriverSettings s = TestConfigs.load(Map.of(), Map.of()).settings();

        assertEquals("csi.spiffe.io", s.pluginName());
        assertEquals("", s.nodeId());
        assertEquals("MY_NODE_NAME", s.nodeIdEnv());
        assertEquals(Path.of("/spiffe-csi/csi.sock"), s.csiSocketPath());
        assertEquals(Path.of("/spire-agent-socket"), s.workloadApiSocketDir());
        assertEquals(Path.of("/var/lib/kubelet/pods"), s.kubeletPodsDir());
        assertEquals(Path.of("/run/spiffe-csi"), s.stateDir());
        assertEquals("bindmount", s.backend());
        assertEquals(false, s.requireReadonlyVolume());
        assertEquals(Duration.ofSeconds(10), s.shutdownGracePeriod());
        assertEquals(new LogSettings("info", LogSettings.Format.TEXT), s.log());
    }

    @Test
    void fileOverridesEveryEngineDefault() {
        DriverSettings s = TestConfigs.loadFile(dir, """
                spiffe-csi {
                  plugin-name = "example.org"
                  node-id = "node-7"
                  node-id-env = "OTHER"
                  csi-socket-path = "/a/csi.sock"
                  workload-api-socket-dir = "/b"
                  kubelet-pods-dir = "/var/snap/microk8s/common/var/lib/kubelet/pods"
                  state-dir = "/c/d/../e/"
                  backend = "symlink-dev"
                  require-readonly-volume = true
                  shutdown-grace-period = 1500ms
                  log { level = WARN, format = JSON }
                  metrics { listen-address = "127.0.0.1:9810" }
                  limits { volume-context-max-bytes = 32KiB }
                }
                """).settings();

        assertEquals(
                new DriverSettings(
                        "example.org",
                        "node-7",
                        "OTHER",
                        Path.of("/a/csi.sock"),
                        Path.of("/b"),
                        Path.of("/var/snap/microk8s/common/var/lib/kubelet/pods"),
                        Path.of("/c/e"),
                        "symlink-dev",
                        true,
                        Duration.ofMillis(1500),
                        java.util.Optional.of(
                                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 9810)),
                        new LogSettings("warn", LogSettings.Format.JSON),
                        32 * 1024),
                s);
    }

    static Stream<Arguments> everyFlag() {
        return Stream.of(
                Arguments.of("workload-api-socket-dir", "/x/agent", (Function<DriverSettings, Object>)
                        s -> s.workloadApiSocketDir().toString()),
                Arguments.of("csi-socket-path", "/x/csi.sock", (Function<DriverSettings, Object>)
                        s -> s.csiSocketPath().toString()),
                Arguments.of("plugin-name", "csi.example.org", (Function<DriverSettings, Object>)
                        DriverSettings::pluginName),
                Arguments.of("node-id", "node-from-layer", (Function<DriverSettings, Object>) DriverSettings::nodeId),
                Arguments.of("node-id-env", "NODE_VAR", (Function<DriverSettings, Object>) DriverSettings::nodeIdEnv),
                Arguments.of("backend", "symlink-dev", (Function<DriverSettings, Object>) DriverSettings::backend),
                Arguments.of("kubelet-pods-dir", "/k/pods", (Function<DriverSettings, Object>)
                        s -> s.kubeletPodsDir().toString()),
                Arguments.of("state-dir", "/x/state", (Function<DriverSettings, Object>)
                        s -> s.stateDir().toString()),
                Arguments.of("log-level", "trace", (Function<DriverSettings, Object>)
                        s -> s.log().level()),
                Arguments.of("log-format", "json", (Function<DriverSettings, Object>)
                        s -> s.log().format().name().toLowerCase(Locale.ROOT)));
    }

    @ParameterizedTest(name = "-{0}")
    @MethodSource("everyFlag")
    void everyDriverFlagSetsItsKey(String flag, String value, Function<DriverSettings, Object> read) {
        Flags.Parsed parsed = new Flags(Set.copyOf(DriverFlags.ORDERED), Set.of()).parse(List.of("-" + flag, value));

        LoadedConfig loaded = TestConfigs.load(DriverFlags.overrides(parsed), Map.of());

        assertEquals(value, read.apply(loaded.settings()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyFlag")
    void everyDriverKeyHonoursItsEnvironmentVariable(String flag, String value, Function<DriverSettings, Object> read) {
        String variable = ConfigLoader.environmentVariableFor(DriverFlags.KEYS.get(flag));

        LoadedConfig loaded = TestConfigs.load(Map.of(), Map.of(variable, value));

        assertEquals(value, read.apply(loaded.settings()));
    }

    @Test
    void environmentOverridesTheFileForEveryBackendValueType() {
        Path file = TestConfigs.write(dir, "driver.conf", """
                spiffe-csi.backends.testbackend {
                  socket-name = "file.sock"
                  timeout = 3s
                  names = [f]
                  enabled = false
                }
                """);
        Map<String, String> env = Map.of(
                "SPIFFE_CSI_BACKENDS_TESTBACKEND_SOCKET_NAME", "env.sock",
                "SPIFFE_CSI_BACKENDS_TESTBACKEND_TIMEOUT", "500ms",
                "SPIFFE_CSI_BACKENDS_TESTBACKEND_NAMES", "[x, \"y z\"]",
                "SPIFFE_CSI_BACKENDS_TESTBACKEND_ENABLED", "true",
                "SPIFFE_CSI_BACKENDS_TESTBACKEND_NESTED_DEPTH", "4");

        BackendConfig config =
                TestConfigs.load(Map.of(), env, Optional.of(file)).backendConfig("testbackend");

        assertEquals("env.sock", config.getString("socket-name"));
        assertEquals(Duration.ofMillis(500), config.getDuration("timeout"));
        assertEquals(List.of("x", "y z"), config.getStringList("names"));
        assertTrue(config.getBoolean("enabled"));
        assertEquals(4, config.getInt("nested.depth"));
    }

    @Test
    void environmentVariablesThatNameNoKeyAreIgnored() {
        Map<String, String> env = new HashMap<>();
        env.put("SPIFFE_CSI_NO_SUCH_KEY", "x");
        env.put("SPIFFE_CSI_BACKENDS_NOTINSTALLED_X", "1");
        env.put("spiffe-csi.log.level", "debug");
        env.put("SPIFFE_CSI_LOG", "debug");

        LoadedConfig loaded = TestConfigs.load(Map.of(), env);

        assertEquals("info", loaded.settings().log().level());
        assertEquals(List.of(), loaded.warnings());
        assertEquals(Set.of(), loaded.backendConfig("notinstalled").keys());
    }

    /** A backend jar in plugins/ is found through the class loader given in ConfigSources. */
    @Test
    void referenceConfOfEveryJarOnTheGivenClassLoaderIsMerged() throws IOException {
        Path plugin = Files.createDirectories(dir.resolve("plugin"));
        TestConfigs.write(plugin, "reference.conf", "spiffe-csi.backends.plugged { size = 4 }\n");
        Path file = TestConfigs.write(dir, "driver.conf", "spiffe-csi.backends.plugged.size = 6\n");

        LoadedConfig without = TestConfigs.load(Map.of(), Map.of(), Optional.of(file));
        assertEquals(
                List.of("spiffe-csi.backends.plugged configures a backend that is not installed; "
                        + "the section is ignored"),
                without.warnings());

        try (URLClassLoader loader =
                new URLClassLoader(new URL[] {plugin.toUri().toURL()}, TestConfigs.LOADER)) {
            LoadedConfig with = ConfigLoader.load(new ConfigSources(Map.of(), Map.of(), Optional.of(file), loader));
            assertEquals(List.of(), with.warnings());
            assertEquals(6, with.backendConfig("plugged").getInt("size"));
            assertEquals(3, with.backendConfig("testbackend").getInt("retries"));
            assertEquals("csi.spiffe.io", with.settings().pluginName());
        }
    }

    /** Regression: a list variable that is not HOCON used to escape as typesafe's Parse exception. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"a, b", "[a,", "[${undefined}]"})
    void malformedListVariableIsAConfigExceptionNamingTheVariableAndKey(String raw) {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> TestConfigs.load(
                        Map.of(),
                        Map.of("SPIFFE_CSI_BACKENDS_TESTBACKEND_NAMES", raw, "SPIFFE_CSI_LOG_LEVEL", "loud")));

        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(
                e.problems()
                        .get(0)
                        .startsWith("spiffe-csi.backends.testbackend.names: environment variable "
                                + "SPIFFE_CSI_BACKENDS_TESTBACKEND_NAMES is not a HOCON list"),
                e.getMessage());
        assertTrue(e.problems().get(1).startsWith("spiffe-csi.log.level: "), e.getMessage());
    }

    @Test
    void scalarListVariableIsReportedWhenTheBackendReadsIt() {
        BackendConfig config = TestConfigs.load(Map.of(), Map.of("SPIFFE_CSI_BACKENDS_TESTBACKEND_NAMES", "a"))
                .backendConfig("testbackend");

        BackendException e = assertThrows(BackendException.class, () -> config.getStringList("names"));
        assertTrue(e.getMessage().startsWith("spiffe-csi.backends.testbackend.names: "), e.getMessage());
    }
}
