package dev.spiffecsi.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The standard scenarios against one driver, started the way its launcher starts it: start-up to ready (fresh
 * processes), then one long-lived driver measured idle, through {@code rounds} kubelet publish storms (volumes held,
 * a kubelet-restart replay), one call at a time, and one call at a time with thousands of unrelated mounts in the
 * mount table. The driver runs on a node layout of its own below a temporary directory; its state directory is on
 * tmpfs as in production (/run), unless asked for on disk.
 */
public final class BenchSuite {

    private static final Duration SETTLE = Duration.ofSeconds(3);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final int SEQUENTIAL_WARMUP = 200;

    private final SuiteOptions options;
    private final PrintStream progress;
    private final Path node;
    private final Path state;

    private BenchSuite(SuiteOptions options, PrintStream progress, Path node, Path state) {
        this.options = options;
        this.progress = progress;
        this.node = node;
        this.state = state;
    }

    /** Runs every scenario and returns what was measured; removes the node layout afterwards. */
    public static SuiteReport run(SuiteOptions options, PrintStream progress) throws IOException, InterruptedException {
        // short: Unix socket paths are limited to 107 bytes
        Path node = Files.createTempDirectory(Path.of("/tmp"), "scs");
        Path state = Files.createTempDirectory(Path.of(options.stateOnDisk() ? "/var/tmp" : "/dev/shm"), "scs-state");
        try {
            return new BenchSuite(options, progress, node, state).measure();
        } finally {
            deleteTree(node);
            deleteTree(state);
        }
    }

    private SuiteReport measure() throws IOException, InterruptedException {
        Path agent = Files.createDirectories(node.resolve("agent"));
        Path pods = Files.createDirectories(node.resolve("pods"));
        Path socket = node.resolve("csi.sock");
        List<String> command = new ArrayList<>(options.driver());
        command.addAll(List.of(
                "serve",
                "-node-id",
                "bench",
                "-backend",
                options.backend(),
                "-csi-socket-path",
                socket.toString(),
                "-workload-api-socket-dir",
                agent.toString(),
                "-kubelet-pods-dir",
                pods.toString()));

        Optional<StartupBench.Report> startup = Optional.empty();
        if (options.startupRuns() > 0) {
            progress.printf("== start-up: %d runs (after 1 uncounted)%n", options.startupRuns());
            List<String> startupCommand = new ArrayList<>(command);
            startupCommand.addAll(List.of("-state-dir", state.resolve("startup").toString()));
            startup = Optional.of(StartupBench.run(
                    startupCommand, socket, options.startupRuns(), 1, Duration.ofSeconds(30), progress));
        }

        List<String> serve = new ArrayList<>(command);
        serve.addAll(List.of("-state-dir", state.resolve("serve").toString()));
        Path log = node.resolve("driver.log");
        Process driver = new ProcessBuilder(serve)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            awaitReady(driver, socket, log);
            long pid = driver.pid();
            Thread.sleep(SETTLE.toMillis());
            ProcSample idle = ProcSampler.sample(pid);
            progress.printf("== idle: RSS %.1f MiB, %d threads%n", idle.rssMiB(), idle.threads());

            List<BenchReport> storms = new ArrayList<>();
            for (int round = 1; round <= options.stormRounds(); round++) {
                progress.printf(
                        "== storm %d of %d: %d volumes held, %d in flight, one kubelet-restart replay%n",
                        round, options.stormRounds(), options.stormVolumes(), options.concurrency());
                storms.add(storm(socket, pods, pid, options.stormVolumes(), options.concurrency(), true, 1, 0, 0));
            }
            Thread.sleep(SETTLE.toMillis());
            ProcSample afterStorms = ProcSampler.sample(pid);
            progress.printf(
                    "== after the storms: RSS %.1f MiB (peak %.1f), %d threads%n",
                    afterStorms.rssMiB(), afterStorms.hwmMiB(), afterStorms.threads());

            progress.printf("== sequential: %d volumes, one call at a time%n", options.sequentialVolumes());
            BenchReport sequential =
                    storm(socket, pods, pid, options.sequentialVolumes(), 1, false, 0, 0, SEQUENTIAL_WARMUP);
            Optional<BenchReport> crowded = Optional.empty();
            if (options.backgroundMounts() > 0) {
                progress.printf(
                        "== sequential with %d unrelated mounts in the mount table%n", options.backgroundMounts());
                crowded = Optional.of(storm(
                        socket,
                        pods,
                        pid,
                        options.sequentialVolumes(),
                        1,
                        false,
                        0,
                        options.backgroundMounts(),
                        SEQUENTIAL_WARMUP));
            }
            ProcSample end = ProcSampler.sample(pid);
            List<String> jvm = jvmCommandLine(pid);
            int exit = stop(driver);
            return new SuiteReport(
                    options,
                    Runtime.getRuntime().availableProcessors(),
                    jvm,
                    startup.orElse(null),
                    idle,
                    List.copyOf(storms),
                    afterStorms,
                    sequential,
                    crowded.orElse(null),
                    end,
                    exit);
        } finally {
            driver.destroyForcibly();
            driver.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private BenchReport storm(
            Path socket,
            Path pods,
            long pid,
            int volumes,
            int concurrency,
            boolean hold,
            int repeat,
            int backgroundMounts,
            int warmup)
            throws IOException, InterruptedException {
        BenchOptions bench = new BenchOptions(
                socket,
                volumes,
                concurrency,
                hold,
                repeat,
                OptionalLong.of(pid),
                backgroundMounts,
                false,
                Optional.of(pods),
                warmup,
                READY_TIMEOUT);
        BenchReport report = StormBench.run(bench, progress);
        if (!report.clean()) {
            throw new IOException("a benchmark phase failed: errors " + report.errors() + ", cleanup "
                    + report.cleanup().problems());
        }
        return report;
    }

    private static void awaitReady(Process driver, Path socket, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!driver.isAlive()) {
                throw new IOException(
                        "the driver exited with code " + driver.exitValue() + ":\n" + Files.readString(log));
            }
            if (Files.exists(socket) && StartupBench.ready(socket)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IOException("the driver was not ready after " + READY_TIMEOUT + ":\n" + Files.readString(log));
    }

    private static int stop(Process driver) throws InterruptedException {
        driver.destroy();
        if (!driver.waitFor(20, TimeUnit.SECONDS)) {
            driver.destroyForcibly();
            driver.waitFor();
        }
        return driver.exitValue();
    }

    /**
     * The Java binary and its options up to the class path, as the launcher started the JVM: what was measured
     * (the launcher picks the runtime and the options).
     */
    static List<String> jvmCommandLine(long pid) throws IOException {
        String[] args = new String(
                        Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline")),
                        java.nio.charset.StandardCharsets.UTF_8)
                .split("\0");
        List<String> jvm = new ArrayList<>();
        jvm.add(Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "exe"))
                .toString());
        for (int i = 1; i < args.length && !args[i].equals("-cp") && !args[i].equals("-classpath"); i++) {
            jvm.add(args[i]);
        }
        return jvm;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
