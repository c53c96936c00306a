package dev.spiffecsi.backend.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.server.VolumeLimits;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.MapBackendConfig;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every key of the section is checked at startup, and a bad one is named. */
class FuseProxySettingsTest {

    private static final String SECTION = "spiffe-csi.backends.fuse-proxy";

    private static Map<String, Object> valid() {
        Map<String, Object> values = new HashMap<>(ReferenceSettings.defaults());
        values.put("socket-name", "spire-agent.sock");
        values.put("admin-socket-path", "/run/spire/admin/admin.sock");
        values.put("identity", "pid");
        values.put("socket-mode", "0666");
        values.put("unmount-busy-timeout", "1s");
        values.put("agent-timeout", "5s");
        values.put("files-publish-wait", "3s");
        values.put("require-pod-cgroup", "true");
        return values;
    }

    private static FuseProxySettings read(Map<String, Object> values) {
        return FuseProxySettings.from(new MapBackendConfig(SECTION, values));
    }

    @Test
    void readsEverySetting() {
        Map<String, Object> values = valid();
        values.put("identity", "pod-selectors");
        values.put("socket-mode", "0660");
        values.put("require-pod-cgroup", "false");
        FuseProxySettings settings = read(values);
        assertEquals("spire-agent.sock", settings.socketName());
        assertEquals(Path.of("/run/spire/admin/admin.sock"), settings.adminSocket());
        assertEquals(IdentityMode.POD_SELECTORS, settings.identity());
        assertEquals(PosixFilePermissions.fromString("rw-rw----"), settings.socketMode());
        assertEquals(Duration.ofSeconds(1), settings.unmountBusyTimeout());
        assertEquals(Duration.ofSeconds(5), settings.agentTimeout());
        assertEquals(Duration.ofSeconds(3), settings.filesPublishWait());
        assertEquals(false, settings.requirePodCgroup());
        assertEquals(true, read(valid()).requirePodCgroup());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "socket-name          | ../agent.sock",
                "socket-name          | a/b",
                "socket-name          | ''",
                "socket-name          | aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "admin-socket-path    | admin.sock",
                "admin-socket-path    | /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/admin.sock",
                "identity             | uid",
                "socket-mode          | 0888",
                "socket-mode          | rw-rw-rw-",
                "socket-mode          | 0444",
                "socket-mode          | 4777",
                "unmount-busy-timeout | -1s",
                "agent-timeout        | 0s",
                "agent-timeout        | soon",
                "files-publish-wait   | -1s",
                "require-pod-cgroup   | maybe",
                "limits.max-connections | 0",
                "limits.max-connections | many",
                "limits.max-calls-per-connection | -1",
                "limits.max-calls | 0",
                "limits.max-request-size | 512",
                "limits.max-request-size | 5MiB",
                "limits.max-request-size | 64KB",
                "limits.max-request-size | big",
                "limits.max-header-list-size | 100",
                "limits.max-header-list-size | 2MiB",
                "limits.connection-idle-timeout | 0s",
                "limits.handshake-timeout | -1s",
                "limits.max-open-files | 0",
                "limits.node-max-connections | 0",
                "limits.node-max-calls | 0",
            })
    void refusesABadValueNamingItsKey(String key, String value) {
        Map<String, Object> values = valid();
        values.put(key, value);
        BackendException e = assertThrows(BackendException.class, () -> read(values));
        assertEquals(BackendException.Failure.INVALID_CONFIG, e.failure());
        assertTrue(e.getMessage().startsWith(SECTION + "." + key + ":"), e.getMessage());
    }

    @Test
    void readsTheLimitsWithTheirDefaults() {
        FuseProxySettings defaults = read(ReferenceSettings.defaults());
        assertEquals(
                new VolumeLimits(64, 16, 128, 64 * 1024, 8 * 1024, Duration.ofMinutes(5), Duration.ofSeconds(10), 256),
                defaults.limits());
        assertEquals(1024, defaults.nodeMaxConnections());
        assertEquals(1024, defaults.nodeMaxCalls());

        Map<String, Object> values = valid();
        values.put("limits.max-request-size", "1MiB");
        values.put("limits.max-header-list-size", 4096);
        values.put("limits.max-connections", 5);
        assertEquals(1024 * 1024, read(values).limits().maxRequestBytes());
        assertEquals(4096, read(values).limits().maxHeaderListBytes());
        assertEquals(5, read(values).limits().maxConnections());
    }

    @Test
    void refusesAMissingKeyAndAnUnknownOne() {
        Map<String, Object> missing = valid();
        missing.remove("agent-timeout");
        assertTrue(assertThrows(BackendException.class, () -> read(missing))
                .getMessage()
                .startsWith(SECTION + ".agent-timeout:"));

        Map<String, Object> typo = valid();
        typo.put("admin-socket", "/run/spire/admin/admin.sock");
        BackendException e = assertThrows(BackendException.class, () -> read(typo));
        assertEquals(BackendException.Failure.INVALID_CONFIG, e.failure());
        assertTrue(e.getMessage().startsWith(SECTION + ".admin-socket:"), e.getMessage());
    }
}
