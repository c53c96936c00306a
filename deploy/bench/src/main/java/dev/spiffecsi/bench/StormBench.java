package dev.spiffecsi.bench;

import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.dev.kubelet.CsiConnection;
import dev.spiffecsi.dev.kubelet.KubeletRequests;
import dev.spiffecsi.dev.kubelet.Pod;
import dev.spiffecsi.dev.kubelet.PodVolumeLayout;
import dev.spiffecsi.engine.csi.proto.GetPluginInfoRequest;
import dev.spiffecsi.engine.csi.proto.GetPluginInfoResponse;
import dev.spiffecsi.engine.csi.proto.NodeGrpc;
import dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.ProbeRequest;
import dev.spiffecsi.engine.csi.proto.ProbeResponse;
import dev.spiffecsi.engine.os.JnaMountSyscalls;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A kubelet publish storm against one CSI endpoint: {@code volumes} pods with one ephemeral inline volume each,
 * published by {@code concurrency} workers over one connection (as the kubelet's calls to a driver are), with
 * the kubelet's requests ({@link KubeletRequests}). Only the RPC is timed, never the kubelet-side mkdir; calls are
 * not retried, a failure is counted by its gRPC code.
 *
 * <p>The benchmark's own gRPC client is warmed up first against a throw-away in-process server, so that its JIT
 * warm-up is not charged to the driver; the driver itself is measured as found (cold after a start, unless
 * {@code -warmup} asks for unrecorded calls first).
 *
 * <p>Everything is cleaned up, also when the JVM is interrupted (a shutdown hook): volumes that may still be
 * published are unpublished, pod directories removed, background mounts detached.
 */
public final class StormBench {

    static final String PUBLISH = "publish";
    static final String REPUBLISH = "republish";
    static final String UNPUBLISH = "unpublish";
    /** The kubelet-side mkdir of a target's parent failed. */
    static final String LOCAL_IO = "LOCAL_IO";

    private static final Duration SAMPLE_INTERVAL = Duration.ofMillis(20);
    /** This JVM's own client is warmed on a throw-away server first (see ClientWarmup). */
    private static final int CLIENT_WARMUP_PROBES = 20;

    private static final int CLIENT_WARMUP_CALLS = 2000;
    private static final Duration IN_FLIGHT_PATIENCE = Duration.ofSeconds(40);
    /** Codes worth another try when cleaning up. */
    private static final Set<Status.Code> TRANSIENT =
            Set.of(Status.Code.UNAVAILABLE, Status.Code.ABORTED, Status.Code.DEADLINE_EXCEEDED);

    private final BenchOptions options;
    private final PrintStream progress;
    private final Set<Pod> outstanding = ConcurrentHashMap.newKeySet();
    private final Set<Pod> created = ConcurrentHashMap.newKeySet();
    private final ExecutorService workers;
    private volatile boolean stopping;
    /** Set by the shutdown hook: the run was cut short (SIGINT, SIGTERM). */
    private volatile boolean interrupted;

    private Path podsDir;
    private boolean ownPodsDir;
    private PodVolumeLayout layout;
    private CsiConnection csi;
    private BackgroundMounts background;
    private BenchReport.Cleanup cleanup;

    private StormBench(BenchOptions options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
        AtomicInteger number = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(
                options.concurrency(),
                r -> Thread.ofPlatform()
                        .name("bench-worker-" + number.incrementAndGet())
                        .unstarted(r));
    }

    /**
     * Runs the storm and returns the report; progress and hints go to {@code progress}.
     *
     * @throws IOException when the pods directory or the background mounts cannot be made, or the endpoint never
     *                     answers Probe with ready
     */
    public static BenchReport run(BenchOptions options, PrintStream progress) throws IOException, InterruptedException {
        StormBench bench = new StormBench(options, progress);
        Thread hook = new Thread(bench::onShutdown, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return bench.measure();
        } finally {
            bench.cleanUp();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook is cleaning up too (cleanUp runs once)
            }
        }
    }

    private BenchReport measure() throws IOException, InterruptedException {
        ClientWarmup.run(CLIENT_WARMUP_PROBES, CLIENT_WARMUP_CALLS);
        preparePodsDir();
        if (options.backgroundMounts() > 0) {
            progress.printf(
                    "creating %d background mounts below a temporary directory...%n", options.backgroundMounts());
            background = BackgroundMounts.create(options.backgroundMounts(), new JnaMountSyscalls());
        }
        int mountTableEntries =
                Files.readAllLines(Path.of("/proc/self/mountinfo")).size();
        GetPluginInfoResponse info = connect();
        progress.printf(
                "driver %s %s at %s; %d volumes, concurrency %d%s, repeat-publish %d, %d mounts in the mount "
                        + "table%n",
                info.getName(),
                info.getVendorVersion(),
                options.socket(),
                options.volumes(),
                options.concurrency(),
                options.hold() ? ", hold" : "",
                options.repeatPublish(),
                mountTableEntries);
        warmUp();

        List<Pod> pods = new ArrayList<>(options.volumes());
        for (int i = 0; i < options.volumes(); i++) {
            pods.add(newPod("bench-" + i));
        }
        PhaseRecorder publish = new PhaseRecorder(PUBLISH);
        PhaseRecorder republish = new PhaseRecorder(REPUBLISH);
        PhaseRecorder unpublish = new PhaseRecorder(UNPUBLISH);
        ProcSample before = null;
        ProcSample peak = null;
        ProcSample after = null;
        ProcSampler.Watch watch = null;
        if (options.pid().isPresent()) {
            before = ProcSampler.sample(options.pid().getAsLong());
            watch = ProcSampler.watch(options.pid().getAsLong(), SAMPLE_INTERVAL);
        }
        try {
            if (options.hold()) {
                Set<Pod> published = ConcurrentHashMap.newKeySet();
                runPhase(pods.size(), i -> {
                    if (publish(pods.get(i), publish)) {
                        published.add(pods.get(i));
                    }
                });
                List<Pod> held = pods.stream().filter(published::contains).toList();
                if (options.repeatPublish() > 0) {
                    runPhase(
                            held.size() * options.repeatPublish(),
                            i -> republish(held.get(i % held.size()), republish));
                }
                runPhase(held.size(), i -> unpublish(held.get(i), unpublish));
            } else {
                runPhase(pods.size(), i -> {
                    Pod pod = pods.get(i);
                    if (publish(pod, publish)) {
                        for (int r = 0; r < options.repeatPublish(); r++) {
                            republish(pod, republish);
                        }
                        unpublish(pod, unpublish);
                    }
                });
            }
            if (watch != null) {
                peak = watch.peak();
                after = ProcSampler.sample(options.pid().getAsLong());
            }
        } finally {
            if (watch != null) {
                watch.close();
            }
        }
        Map<String, PhaseResult> phases = new LinkedHashMap<>();
        phases.put(PUBLISH, publish.result());
        if (options.repeatPublish() > 0) {
            phases.put(REPUBLISH, republish.result());
        }
        phases.put(UNPUBLISH, unpublish.result());
        Map<String, Integer> errors = new TreeMap<>();
        phases.values().forEach(phase -> phase.errors().forEach((code, n) -> errors.merge(code, n, Integer::sum)));
        cleanUp();
        return new BenchReport(
                options.socket().toString(),
                new BenchReport.Driver(info.getName(), info.getVendorVersion()),
                podsDir.toString(),
                new BenchReport.Settings(
                        options.volumes(),
                        options.concurrency(),
                        options.hold(),
                        options.repeatPublish(),
                        options.backgroundMounts(),
                        options.warmup()),
                mountTableEntries,
                interrupted,
                phases,
                errors,
                before == null ? null : new BenchReport.Memory(options.pid().getAsLong(), before, peak, after),
                cleanup);
    }

    private void preparePodsDir() throws IOException {
        if (options.podsDir().isPresent()) {
            podsDir = options.podsDir().get();
            if (!Files.isDirectory(podsDir)) {
                throw new ConfigException("flag -pods-dir: " + podsDir + " is not a directory (it must be the "
                        + "driver's -kubelet-pods-dir)");
            }
        } else {
            podsDir = Files.createTempDirectory("spiffecsi-bench-pods");
            ownPodsDir = true;
            progress.println("pods dir: " + podsDir + " (start the driver with -kubelet-pods-dir " + podsDir + ")");
        }
        layout = new PodVolumeLayout(podsDir);
    }

    /** Waits until the endpoint answers Probe with ready (a fresh connection per try: no reconnect backoff). */
    private GetPluginInfoResponse connect() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + options.connectTimeout().toNanos();
        String last = "no answer";
        boolean told = false;
        while (true) {
            CsiConnection connection = CsiConnection.open(options.socket());
            try {
                ProbeResponse probe =
                        connection.identity(Duration.ofSeconds(5)).probe(ProbeRequest.getDefaultInstance());
                if (!probe.hasReady() || probe.getReady().getValue()) {
                    GetPluginInfoResponse info =
                            connection.identity().getPluginInfo(GetPluginInfoRequest.getDefaultInstance());
                    csi = connection;
                    return info;
                }
                last = "Probe answers ready=false";
            } catch (StatusRuntimeException e) {
                last = e.getStatus().getCode() + ": " + e.getStatus().getDescription();
            }
            connection.close();
            if (System.nanoTime() > deadline) {
                throw new IOException("the CSI endpoint " + options.socket() + " is not ready after "
                        + options.connectTimeout() + ": " + last);
            }
            if (!told) {
                progress.println("waiting for " + options.socket() + " to answer Probe with ready (" + last + ")");
                told = true;
            }
            Thread.sleep(100);
        }
    }

    private void warmUp() throws InterruptedException {
        if (options.warmup() == 0) {
            return;
        }
        PhaseRecorder ignored = new PhaseRecorder("warmup");
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < options.warmup(); i++) {
            pods.add(newPod("bench-warmup-" + i));
        }
        runPhase(pods.size(), i -> {
            if (publish(pods.get(i), ignored)) {
                republish(pods.get(i), ignored);
                unpublish(pods.get(i), ignored);
            }
        });
        PhaseResult result = ignored.result();
        if (!result.errors().isEmpty()) {
            progress.println("warm-up calls failed: " + result.errors());
        }
    }

    private Pod newPod(String name) {
        return new Pod(name, "bench", UUID.randomUUID().toString(), "default", Pod.DEFAULT_VOLUME_NAME, true);
    }

    /** Runs {@code task(0)} .. {@code task(count - 1)} on the workers, at most {@code concurrency} at once. */
    private void runPhase(int count, IndexedTask task) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> running = new ArrayList<>();
        try {
            for (int w = 0; w < Math.min(options.concurrency(), count) && !stopping; w++) {
                running.add(workers.submit(() -> {
                    for (int i = next.getAndIncrement(); i < count && !stopping; i = next.getAndIncrement()) {
                        task.run(i);
                    }
                }));
            }
        } catch (RejectedExecutionException e) {
            // the shutdown hook stopped the workers: cleanUp takes over
        }
        for (Future<?> future : running) {
            try {
                future.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("a bench worker failed", e.getCause());
            } catch (java.util.concurrent.CancellationException e) {
                return; // interrupted: cleanUp takes over
            }
        }
    }

    @FunctionalInterface
    private interface IndexedTask {
        void run(int index);
    }

    private boolean publish(Pod pod, PhaseRecorder phase) {
        try {
            created.add(pod);
            KubeletRequests.prepareParent(layout, pod);
        } catch (IOException e) {
            phase.failed(LOCAL_IO);
            return false;
        }
        outstanding.add(pod);
        return publishCall(pod, phase);
    }

    private boolean republish(Pod pod, PhaseRecorder phase) {
        return publishCall(pod, phase);
    }

    private boolean publishCall(Pod pod, PhaseRecorder phase) {
        NodePublishVolumeRequest request = KubeletRequests.publish(layout, pod);
        NodeGrpc.NodeBlockingStub node = csi.node();
        return timed(phase, () -> node.nodePublishVolume(request));
    }

    private void unpublish(Pod pod, PhaseRecorder phase) {
        NodeUnpublishVolumeRequest request = KubeletRequests.unpublish(layout, pod);
        NodeGrpc.NodeBlockingStub node = csi.node();
        if (timed(phase, () -> node.nodeUnpublishVolume(request))) {
            outstanding.remove(pod);
        }
    }

    /** Times one call (the RPC only: requests and stubs are built before) and records it in {@code phase}. */
    private static boolean timed(PhaseRecorder phase, Runnable rpc) {
        long start = System.nanoTime();
        try {
            rpc.run();
            long end = System.nanoTime();
            phase.window(start, end);
            phase.succeeded(end - start);
            return true;
        } catch (StatusRuntimeException e) {
            phase.window(start, System.nanoTime());
            phase.failed(e.getStatus().getCode().name());
            return false;
        }
    }

    /** The shutdown hook: stops the workers, waits for calls in flight, cleans up. */
    private void onShutdown() {
        interrupted = true;
        stopping = true;
        workers.shutdown();
        try {
            workers.awaitTermination(IN_FLIGHT_PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (cleanup == null) {
            progress.println("interrupted: cleaning up");
        }
        cleanUp();
    }

    /** Undoes everything this run did; runs once, whoever calls it first (the run or the shutdown hook). */
    private synchronized void cleanUp() {
        if (cleanup != null) {
            return;
        }
        stopping = true;
        workers.shutdown();
        List<String> problems = new ArrayList<>();
        int unpublished = 0;
        if (csi != null) {
            for (Pod pod : List.copyOf(outstanding)) {
                if (unpublishForCleanup(pod, problems)) {
                    unpublished++;
                }
            }
            csi.close();
        } else if (!outstanding.isEmpty()) {
            problems.add(outstanding.size() + " volumes may still be published: no connection to unpublish them");
        }
        int removed = 0;
        if (layout != null) {
            for (Pod pod : created) {
                if (outstanding.contains(pod)) {
                    if (csi == null) {
                        problems.add("pod directory " + podsDir.resolve(pod.uid()) + " kept: its volume may "
                                + "still be published");
                    }
                } else if (removePodDirectory(pod, problems)) {
                    removed++;
                }
            }
        }
        int mountsRemoved = 0;
        if (background != null) {
            try {
                mountsRemoved = background.count();
                background.close();
            } catch (IOException e) {
                mountsRemoved = 0;
                problems.add("background mounts below " + background.base() + " not removed: " + e.getMessage());
            }
        }
        if (ownPodsDir && podsDir != null) {
            try {
                Files.deleteIfExists(podsDir);
            } catch (IOException e) {
                problems.add("temporary pods directory " + podsDir + " not removed: " + e);
            }
        }
        problems.forEach(problem -> progress.println("cleanup: " + problem));
        cleanup = new BenchReport.Cleanup(unpublished, removed, mountsRemoved, List.copyOf(problems));
    }

    private boolean unpublishForCleanup(Pod pod, List<String> problems) {
        String last = "";
        for (int attempt = 1; attempt <= 3; attempt++) {
            try {
                csi.node().nodeUnpublishVolume(KubeletRequests.unpublish(layout, pod));
                outstanding.remove(pod);
                return true;
            } catch (StatusRuntimeException e) {
                last = e.getStatus().getCode() + ": " + e.getStatus().getDescription();
                if (!TRANSIENT.contains(e.getStatus().getCode())) {
                    break;
                }
            }
            try {
                Thread.sleep(200L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        problems.add("cannot unpublish " + layout.targetPath(pod) + " (" + last + "); its pod directory is kept");
        return false;
    }

    /**
     * Removes the pod's target (the kubelet does when the driver left it) and the directories above it up to the
     * pod's, one by one: a non-empty directory or a mount point is never deleted, and is reported instead.
     */
    private boolean removePodDirectory(Pod pod, List<String> problems) {
        Path podDir = podsDir.resolve(pod.uid());
        Path path = layout.targetPath(pod);
        try {
            while (path.startsWith(podDir)) {
                Files.deleteIfExists(path);
                path = path.getParent();
            }
            return true;
        } catch (IOException e) {
            problems.add("cannot remove " + path + ": " + e);
            return false;
        }
    }
}
