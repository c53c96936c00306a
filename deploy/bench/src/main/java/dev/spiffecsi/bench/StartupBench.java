package dev.spiffecsi.bench;

import dev.spiffecsi.dev.kubelet.CsiConnection;
import dev.spiffecsi.engine.csi.proto.ProbeRequest;
import dev.spiffecsi.engine.csi.proto.ProbeResponse;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Starts a driver command again and again and measures how long it takes from starting the process until its
 * CSI socket answers Probe with ready, and how much memory the process (with its descendants) holds then. Each
 * run ends with SIGTERM.
 *
 * <p>The clock starts just before the process is spawned. The socket path is polled every 0.2 ms; once it exists,
 * Probe is called on a fresh connection (a refused or failed call is retried at once, until the timeout). The
 * client is warmed first on a throw-away server ({@link ClientWarmup}), so that its own first calls are not charged
 * to the driver; the first {@code warmupRuns} runs are not counted either: they warm the page cache.
 */
public final class StartupBench {

    private static final long POLL_NANOS = 200_000;
    private static final int CLIENT_WARMUP_PROBES = 300;
    private static final Duration STOP_PATIENCE = Duration.ofSeconds(20);

    private StartupBench() {}

    /** One run: time to ready, and the process tree's VmRSS and threads at that moment. */
    public record Run(
            double readyMs, long rssKiB, long rssAnonKiB, long rssFileKiB, int threads, double exitMs, int exitCode) {}

    /** Median, minimum and maximum of one measure over the counted runs. */
    public record Stats(double median, double min, double max) {
        static Stats of(double[] values) {
            double[] sorted = values.clone();
            Arrays.sort(sorted);
            int n = sorted.length;
            double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
            return new Stats(median, sorted[0], sorted[n - 1]);
        }
    }

    /** The counted runs and their statistics. */
    public record Report(
            List<String> command, String socket, int warmupRuns, List<Run> runs, Stats readyMs, Stats rssMiB) {}

    /**
     * Runs {@code command} {@code warmupRuns + runs} times.
     *
     * @throws IOException when the command fails to start, exits before it is ready, or is not ready in time
     */
    public static Report run(
            List<String> command, Path socket, int runs, int warmupRuns, Duration timeout, PrintStream progress)
            throws IOException, InterruptedException {
        ClientWarmup.run(CLIENT_WARMUP_PROBES, 0);
        List<Run> counted = new ArrayList<>();
        Path log = Files.createTempFile("spiffecsi-bench-startup", ".log");
        try {
            for (int i = 0; i < warmupRuns + runs; i++) {
                Run run = once(command, socket, timeout, log);
                boolean warmup = i < warmupRuns;
                progress.printf(
                        "%s %d: ready after %.1f ms, RSS %.1f MiB, %d threads; exited %.0f ms after SIGTERM "
                                + "(code %d)%n",
                        warmup ? "warm-up run" : "run",
                        warmup ? i + 1 : i - warmupRuns + 1,
                        run.readyMs(),
                        run.rssKiB() / 1024.0,
                        run.threads(),
                        run.exitMs(),
                        run.exitCode());
                if (!warmup) {
                    counted.add(run);
                }
            }
        } finally {
            Files.deleteIfExists(log);
        }
        return new Report(
                List.copyOf(command),
                socket.toString(),
                warmupRuns,
                List.copyOf(counted),
                Stats.of(counted.stream().mapToDouble(Run::readyMs).toArray()),
                Stats.of(counted.stream().mapToDouble(r -> r.rssKiB() / 1024.0).toArray()));
    }

    private static Run once(List<String> command, Path socket, Duration timeout, Path log)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        long start = System.nanoTime();
        Process process = builder.start();
        try {
            long deadline = start + timeout.toNanos();
            while (true) {
                if (!process.isAlive()) {
                    throw new IOException("the driver exited with code " + process.exitValue()
                            + " before it was ready; its output:\n" + tail(log));
                }
                if (Files.exists(socket) && ready(socket)) {
                    long readyNanos = System.nanoTime() - start;
                    ProcSample memory = treeSample(process.toHandle());
                    long stopStart = System.nanoTime();
                    int code = stop(process);
                    return new Run(
                            readyNanos / 1e6,
                            memory.rssKiB(),
                            memory.rssAnonKiB(),
                            memory.rssFileKiB(),
                            memory.threads(),
                            (System.nanoTime() - stopStart) / 1e6,
                            code);
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("the driver did not answer Probe with ready on " + socket + " within "
                            + timeout + "; its output:\n" + tail(log));
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
        } finally {
            if (process.isAlive()) {
                stop(process);
            }
        }
    }

    /** Whether the CSI endpoint at {@code socket} answers Probe with ready (a fresh connection each time). */
    static boolean ready(Path socket) {
        try (CsiConnection connection = CsiConnection.open(socket)) {
            ProbeResponse probe = connection.identity(Duration.ofSeconds(2)).probe(ProbeRequest.getDefaultInstance());
            return !probe.hasReady() || probe.getReady().getValue();
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    /** VmRSS summed, and threads summed, over the process and its descendants (a wrapper script, unshare...). */
    private static ProcSample treeSample(ProcessHandle root) throws IOException {
        ProcSample total = ProcSampler.sample(root.pid());
        for (ProcessHandle handle : root.descendants().toList()) {
            try {
                total = total.plus(ProcSampler.sample(handle.pid()));
            } catch (IOException e) {
                // it exited meanwhile
            }
        }
        return total;
    }

    /** SIGTERM to the process and its descendants; SIGKILL after a while. Returns the exit code. */
    private static int stop(Process process) throws InterruptedException {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        descendants.forEach(ProcessHandle::destroy);
        if (!process.waitFor(STOP_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            descendants.forEach(ProcessHandle::destroyForcibly);
            process.waitFor();
        }
        return process.exitValue();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** The value of {@code -csi-socket-path} (any of the driver's flag spellings) in a driver command line. */
    static java.util.Optional<Path> socketOf(List<String> command) {
        for (int i = 0; i < command.size(); i++) {
            String arg = command.get(i);
            for (String flag : List.of("-csi-socket-path", "--csi-socket-path")) {
                if (arg.equals(flag) && i + 1 < command.size()) {
                    return java.util.Optional.of(Path.of(command.get(i + 1)));
                }
                if (arg.startsWith(flag + "=")) {
                    return java.util.Optional.of(Path.of(arg.substring(flag.length() + 1)));
                }
            }
        }
        return java.util.Optional.empty();
    }
}
