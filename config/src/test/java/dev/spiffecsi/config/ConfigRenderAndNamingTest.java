package dev.spiffecsi.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** LoadedConfig.render() and ConfigLoader.environmentVariableFor. */
class ConfigRenderAndNamingTest {

    @TempDir
    Path dir;

    @Test
    void renderShowsTheEffectiveValuesAndParsesBackAsHocon() {
        Path file = TestConfigs.write(dir, "driver.conf", """
                spiffe-csi {
                  state-dir = "/from/file"
                  backends.testbackend { retries = 5, names = [x, "y z"] }
                }
                unrelated.secret = "hunter2"
                """);
        LoadedConfig loaded = TestConfigs.load(
                Map.of("spiffe-csi.log.level", "debug"),
                Map.of("SPIFFE_CSI_PLUGIN_NAME", "csi.example.org"),
                Optional.of(file));

        String rendered = loaded.render();

        assertTrue(rendered.contains("csi.example.org"), rendered);
        assertTrue(rendered.contains("/from/file"), rendered);
        assertFalse(rendered.contains("hunter2"), rendered);
        assertFalse(rendered.contains("unrelated"), rendered);
        Config back = ConfigFactory.parseString(rendered);
        assertEquals(Set.of("spiffe-csi"), back.root().keySet());
        assertEquals("debug", back.getString("spiffe-csi.log.level"));
        assertEquals("text", back.getString("spiffe-csi.log.format"));
        assertEquals("csi.example.org", back.getString("spiffe-csi.plugin-name"));
        assertEquals("/from/file", back.getString("spiffe-csi.state-dir"));
        assertEquals("/spiffe-csi/csi.sock", back.getString("spiffe-csi.csi-socket-path"));
        assertEquals("MY_NODE_NAME", back.getString("spiffe-csi.node-id-env"));
        assertEquals(10, back.getDuration("spiffe-csi.shutdown-grace-period").toSeconds());
        assertEquals(false, back.getBoolean("spiffe-csi.require-readonly-volume"));
        assertEquals(5, back.getInt("spiffe-csi.backends.testbackend.retries"));
        assertEquals(List.of("x", "y z"), back.getStringList("spiffe-csi.backends.testbackend.names"));
        assertEquals(
                2, back.getDuration("spiffe-csi.backends.testbackend.timeout").toSeconds());
    }

    @Test
    void renderParsesBackToTheSameTreeAsALoadOfItself() {
        LoadedConfig loaded =
                TestConfigs.loadFile(dir, "spiffe-csi { node-id = \"n \\\"quoted\\\"\", log.format = json }");

        LoadedConfig reloaded = TestConfigs.loadFile(dir, loaded.render());

        assertEquals(loaded.settings(), reloaded.settings());
        assertEquals("n \"quoted\"", reloaded.settings().nodeId());
        assertEquals(ConfigFactory.parseString(loaded.render()), ConfigFactory.parseString(reloaded.render()));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "spiffe-csi.log.level, SPIFFE_CSI_LOG_LEVEL",
        "spiffe-csi.log.format, SPIFFE_CSI_LOG_FORMAT",
        "spiffe-csi.plugin-name, SPIFFE_CSI_PLUGIN_NAME",
        "spiffe-csi.workload-api-socket-dir, SPIFFE_CSI_WORKLOAD_API_SOCKET_DIR",
        "spiffe-csi.node-id-env, SPIFFE_CSI_NODE_ID_ENV",
        "spiffe-csi.backends.testbackend.socket-name, SPIFFE_CSI_BACKENDS_TESTBACKEND_SOCKET_NAME",
        "spiffe-csi.backends.symlink-dev.host-socket-dir, SPIFFE_CSI_BACKENDS_SYMLINK_DEV_HOST_SOCKET_DIR",
        "spiffe-csi.backends.testbackend.nested.depth, SPIFFE_CSI_BACKENDS_TESTBACKEND_NESTED_DEPTH",
        "log.level, SPIFFE_CSI_LOG_LEVEL",
        "spiffe-csi-other.x, SPIFFE_CSI_SPIFFE_CSI_OTHER_X"
    })
    void environmentVariableForMapsKeys(String key, String variable) {
        assertEquals(variable, ConfigLoader.environmentVariableFor(key));
    }
}
