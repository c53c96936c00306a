package dev.spiffecsi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.config.ConfigException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    @Test
    void readsEveryFlagInEitherSpelling() {
        BenchOptions options = BenchOptions.parse(List.of(
                "--endpoint",
                "unix:///run/csi.sock",
                "--volumes",
                "200",
                "-concurrency=8",
                "--hold",
                "--repeat-publish",
                "3",
                "--pid",
                "42",
                "--background-mounts",
                "10",
                "--json",
                "--pods-dir",
                "/var/lib/kubelet/pods",
                "--warmup",
                "5",
                "--connect-timeout",
                "5s"));
        assertEquals(Path.of("/run/csi.sock"), options.socket());
        assertEquals(200, options.volumes());
        assertEquals(8, options.concurrency());
        assertTrue(options.hold());
        assertEquals(3, options.repeatPublish());
        assertEquals(42, options.pid().getAsLong());
        assertEquals(10, options.backgroundMounts());
        assertTrue(options.json());
        assertEquals(Path.of("/var/lib/kubelet/pods"), options.podsDir().orElseThrow());
        assertEquals(5, options.warmup());
        assertEquals(java.time.Duration.ofSeconds(5), options.connectTimeout());
    }

    @Test
    void defaults() {
        BenchOptions options = BenchOptions.parse(List.of("-endpoint", "/tmp/csi.sock"));
        assertEquals(Path.of("/tmp/csi.sock"), options.socket());
        assertEquals(100, options.volumes());
        assertEquals(1, options.concurrency());
        assertFalse(options.hold());
        assertFalse(options.json());
        assertTrue(options.pid().isEmpty());
        assertTrue(options.podsDir().isEmpty());
    }

    @Test
    void refusesWhatCannotWork() {
        assertThrows(ConfigException.class, () -> BenchOptions.parse(List.of()));
        assertThrows(ConfigException.class, () -> BenchOptions.parse(List.of("-endpoint", "tcp://localhost:1")));
        assertThrows(ConfigException.class, () -> BenchOptions.parse(List.of("-endpoint", "/s", "-volumes", "0")));
        assertThrows(ConfigException.class, () -> BenchOptions.parse(List.of("-endpoint", "/s", "-pid", "x")));
        assertThrows(ConfigException.class, () -> BenchOptions.parse(List.of("-endpoint", "/s", "-retries", "1")));
    }

    @Test
    void findsTheSocketInADriverCommandLine() {
        assertEquals(
                Path.of("/a.sock"),
                StartupBench.socketOf(List.of("bin/d", "-csi-socket-path", "/a.sock"))
                        .orElseThrow());
        assertEquals(
                Path.of("/b.sock"),
                StartupBench.socketOf(List.of("d", "--csi-socket-path=/b.sock")).orElseThrow());
        assertTrue(StartupBench.socketOf(List.of("d", "-node-id", "n")).isEmpty());
    }
}
