package dev.spiffecsi.hostile;

import dev.spiffecsi.dev.kubelet.CsiConnection;
import dev.spiffecsi.engine.csi.proto.ProbeRequest;
import dev.spiffecsi.engine.csi.proto.ProbeResponse;
import io.grpc.StatusRuntimeException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real driver as a separate process ({@code serve}, the production JVM options, see {@link ProductionJvm}) on a
 * {@link NodeTree}: its CSI socket, pods directory, state directory and Workload API socket directory are the
 * tree's. It is killed when closed, and by a shutdown hook if the tests' JVM ends first.
 */
final class DriverProcess implements AutoCloseable {

    private static final Duration PROBE_DEADLINE = Duration.ofSeconds(2);

    private final Process process;
    private final Path socket;
    private final Path log;
    private final Thread killer;
    private final long startNanos;

    private DriverProcess(Process process, Path socket, Path log, long startNanos) {
        this.process = process;
        this.socket = socket;
        this.log = log;
        this.startNanos = startNanos;
        this.killer = new Thread(process::destroyForcibly, "hostile-driver-killer");
        Runtime.getRuntime().addShutdownHook(killer);
    }

    /**
     * Starts {@code serve} with {@code backend}; {@code config} lines, if any, go to a {@code --config} file (HOCON,
     * full keys such as {@code spiffe-csi.backends.fuse-proxy.socket-name = "agent.sock"}).
     */
    static DriverProcess start(NodeTree node, String backend, List<String> config) throws IOException {
        List<String> command = new ArrayList<>(ProductionJvm.command());
        command.addAll(List.of(
                "serve",
                "-node-id",
                "hostile-node",
                "-backend",
                backend,
                "-csi-socket-path",
                node.csiSocket().toString(),
                "-workload-api-socket-dir",
                node.agentDir().toString(),
                "-kubelet-pods-dir",
                node.podsDir().toString(),
                "-state-dir",
                node.stateDir().toString()));
        if (!config.isEmpty()) {
            Path file = node.root().resolve("driver.conf");
            Files.write(file, config, StandardCharsets.UTF_8);
            command.addAll(List.of("--config", file.toString()));
        }
        Path log = node.root().resolve("driver-" + backend + "-" + System.nanoTime() + ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // what a node's environment might set must not change what is tested
        builder.environment()
                .keySet()
                .removeIf(name ->
                        name.startsWith("SPIFFE_CSI_") || name.equals("JAVA_OPTS") || name.equals("JAVA_TOOL_OPTIONS"));
        builder.environment().putAll(ProductionJvm.environment());
        long start = System.nanoTime();
        return new DriverProcess(builder.start(), node.csiSocket(), log, start);
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** {@code null} while it runs, else how it ended, with the end of its log. */
    String deathNotice() {
        if (process.isAlive()) {
            return null;
        }
        return "the driver process exited with code " + process.exitValue() + "; the end of its log:\n" + tail(30);
    }

    /**
     * Waits until the CSI socket answers Probe with ready, at most {@code patience}; returns the time from the
     * spawn of the process to that answer.
     *
     * @throws AssertionError when the driver exits first or is not ready in time, with the end of its log
     */
    Duration awaitReady(Duration patience) throws InterruptedException {
        long deadline = startNanos + patience.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the driver exited before it was ready: " + deathNotice());
            }
            if (Files.exists(socket) && ready()) {
                return Duration.ofNanos(System.nanoTime() - startNanos);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the driver did not answer Probe with ready on " + socket + " within " + patience
                + " of its start; the end of its log:\n" + tail(30));
    }

    /** One Probe on a fresh connection, with a short deadline. */
    boolean ready() {
        try (CsiConnection connection = CsiConnection.open(socket)) {
            ProbeResponse probe = connection.identity(PROBE_DEADLINE).probe(ProbeRequest.getDefaultInstance());
            return !probe.hasReady() || probe.getReady().getValue();
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    /** VmRSS in KiB from /proc, or empty once the process is gone. */
    Optional<Long> rssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Optional.of(Long.parseLong(line.replaceAll("[^0-9]", "")));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone meanwhile
        }
        return Optional.empty();
    }

    /** The last {@code lines} lines of its output. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, then SIGKILL after 10 s; always returns with the process gone. */
    @Override
    public void close() throws InterruptedException {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException e) {
                // the JVM is shutting down; the hook kills it
            }
        }
    }
}
