package dev.spiffecsi.dev.simulatednode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spiffecsi.dev.kubelet.KubeletSimulator;
import dev.spiffecsi.dev.kubelet.Pod;
import dev.spiffecsi.dev.kubelet.RetryPolicy;
import dev.spiffecsi.driver.Main;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code spiffe-csi-driver serve} as a real process, as the DaemonSet runs it: Go-style flags, JSON logs with one
 * line per call, a clear refusal without a node id, and a graceful SIGTERM that leaves published volumes in place.
 */
class ServeProcessTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Path root;
    private Path agentDir;
    private Path podsDir;
    private Path socket;
    private Path log;
    private Process driver;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createTempDirectory("sp"); // short: Unix socket paths are limited to 107 bytes
        agentDir = Files.createDirectories(root.resolve("agent"));
        podsDir = Files.createDirectories(root.resolve("pods"));
        socket = root.resolve("csi/csi.sock");
        log = root.resolve("driver.log");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (driver != null && driver.isAlive()) {
            driver.destroyForcibly();
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }

    private Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                runtimeClassPath(),
                Main.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    /** This module's classes and its runtime class path, as the distribution's lib/ has them. */
    private static String runtimeClassPath() throws IOException {
        String runtime = Files.readString(
                        Path.of(System.getProperty("spiffecsi.runtimeClasspath", "target/runtime-classpath.txt")))
                .strip();
        return Path.of("target/classes").toAbsolutePath() + File.pathSeparator + runtime;
    }

    private List<String> serveArgs() {
        return List.of(
                "-workload-api-socket-dir",
                agentDir.toString(),
                "-csi-socket-path",
                socket.toString(),
                "--kubelet-pods-dir",
                podsDir.toString(),
                "--state-dir",
                root.resolve("state").toString(),
                "--backend",
                "symlink-dev",
                "--log-format",
                "json");
    }

    private void awaitSocket() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(socket) && System.nanoTime() < deadline && driver.isAlive()) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(socket), this::logText);
    }

    private String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Test
    void servesWithGoStyleFlagsLogsJsonAndStopsGracefullyOnSigterm() throws Exception {
        List<String> args = new ArrayList<>(serveArgs());
        args.addAll(List.of("-node-id", "node-7"));
        driver = start(args.toArray(String[]::new));
        awaitSocket();

        Path target;
        try (KubeletSimulator kubelet = KubeletSimulator.connect(
                socket, podsDir, new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(100), 1))) {
            assertEquals("node-7", kubelet.register().nodeId());
            target = kubelet.publish(Pod.of("web", "default", "default"));
        }
        assertTrue(Files.isSymbolicLink(target), "published");

        driver.destroy(); // SIGTERM
        assertTrue(driver.waitFor(20, TimeUnit.SECONDS), "the driver stops on SIGTERM");
        assertEquals(0, driver.exitValue(), this::logText);
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the CSI socket is removed");
        assertTrue(Files.isSymbolicLink(target), "published volumes stay published across a driver stop");

        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (line.startsWith("{")) {
                lines.add(JSON.readTree(line));
            }
        }
        assertTrue(lines.size() >= 3, this::logText);
        assertTrue(
                lines.stream()
                        .anyMatch(l -> l.path("msg").asText().startsWith("rpc method=NodePublishVolume volume_id=csi-")
                                && l.path("msg").asText().contains("target_path=" + target)
                                && l.path("msg").asText().contains("code=OK")),
                this::logText);
        assertTrue(
                lines.stream().anyMatch(l -> l.path("msg").asText().contains("published volumes stay")), this::logText);
    }

    @Test
    void refusesToServeWithoutANodeId() throws Exception {
        List<String> args = new ArrayList<>(serveArgs());
        args.addAll(List.of("-node-id-env", "SPIFFE_CSI_TEST_UNSET_NODE_NAME"));
        driver = start(args.toArray(String[]::new));

        assertTrue(driver.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, driver.exitValue(), this::logText);
        assertTrue(logText().contains("the node id is empty"), this::logText);
        assertTrue(logText().contains("SPIFFE_CSI_TEST_UNSET_NODE_NAME"), this::logText);
        assertFalse(Files.exists(socket));
    }
}
