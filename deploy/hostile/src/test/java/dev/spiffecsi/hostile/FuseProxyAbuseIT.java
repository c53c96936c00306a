package dev.spiffecsi.hostile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import dev.spiffecsi.backend.fuseproxy.protocol.FileLayout;
import dev.spiffecsi.bench.ProcSample;
import dev.spiffecsi.bench.ProcSampler;
import dev.spiffecsi.dev.agent.RegistrationEntry;
import dev.spiffecsi.dev.agent.WorkloadSelector;
import dev.spiffecsi.dev.kubelet.Pod;
import dev.spiffecsi.dev.workload.WorkloadEndpoint;
import io.grpc.ClientCall;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.stub.MetadataUtils;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc;
import io.spiffe.workloadapi.grpc.Workload.ValidateJWTSVIDRequest;
import io.spiffe.workloadapi.grpc.Workload.X509SVIDResponse;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * fuse-proxy abuse: a process in one pod attacks its own volume's Workload API socket and credential files, in
 * phases, while another pod's workload keeps fetching SVIDs through its own volume ({@link VictimWorkload}):
 * {@value #CONNECTIONS} connections that send the HTTP/2 preface and nothing else (held open, in batches bounded by
 * the open-file limit), {@value #STREAMS} concurrent streams on one connection, {@value #BIG_MESSAGES} concurrent
 * ~4 MiB ValidateJWTSVID requests, {@value #SLOW_READERS} connections whose stream's window never opens and that
 * never read, and {@value #OPEN_FILES} open handles on the volume's credential file.
 *
 * <p>Checks, per phase: the driver process never exits, and the other workload gets every SVID, none later than
 * {@value #VICTIM_MAX_MILLIS} ms. A phase that finds the driver gone (an earlier one killed it) runs on a new node,
 * so that each phase is judged on its own. The victim's latencies (p50, p99, max), what the attacker got, and the
 * driver's peak RSS and open files are reported.
 */
class FuseProxyAbuseIT {

    static final String PART = "fuse-proxy";
    static final int CONNECTIONS = 10_000;
    static final int STREAMS = 1_000;
    static final int BIG_MESSAGES = 16;
    static final int SLOW_READERS = 200;
    static final int OPEN_FILES = 5_000;
    static final int VICTIM_MAX_MILLIS = 5_000;

    private static final int MESSAGE_BYTES = 4 * 1024 * 1024 - 1024;
    private static final Duration READY = Duration.ofSeconds(30);
    private static final Duration HOLD = Duration.ofSeconds(5);
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final SpiffeId EVIL = SpiffeId.parse("spiffe://example.org/ns/shop/sa/evil");

    private final List<String> failures = new ArrayList<>();
    private Scene scene;

    @AfterAll
    static void publishReport() {
        TierReport.publish();
    }

    /** One abuse of the attacker's volume; returns what it got, for the report. */
    @FunctionalInterface
    private interface Abuse {
        String run(Scene scene) throws Exception;
    }

    /**
     * A node with the two pods' volumes published and the victim running. A phase that finds the driver gone starts
     * a new one, so that every phase is tried (and judged) on its own even where an earlier one killed the driver.
     */
    private static final class Scene implements AutoCloseable {
        private final NodeTree tree;
        private final FuseProxyNode node;
        private final List<Pod> pods;
        private final Path evilTarget;
        private final Path evilSocket;
        private final ProcSampler.Watch memory;
        private final VictimWorkload victim;

        private Scene(
                NodeTree tree,
                FuseProxyNode node,
                List<Pod> pods,
                Path evilTarget,
                Path evilSocket,
                ProcSampler.Watch memory,
                VictimWorkload victim) {
            this.tree = tree;
            this.node = node;
            this.pods = pods;
            this.evilTarget = evilTarget;
            this.evilSocket = evilSocket;
            this.memory = memory;
            this.victim = victim;
        }

        static Scene start(EventLoopGroup eventLoops) throws Exception {
            NodeTree tree = NodeTree.create();
            FuseProxyNode node = null;
            try {
                node = FuseProxyNode.start(
                        tree,
                        List.of(new RegistrationEntry(
                                Set.of(new WorkloadSelector("k8s", "ns:shop"), new WorkloadSelector("k8s", "sa:evil")),
                                EVIL,
                                Set.of())),
                        READY);
                Pod victimPod = Pod.of("victim", "default", "default");
                Pod evilPod = new Pod(
                        "evil",
                        "shop",
                        UUID.randomUUID().toString(),
                        "evil",
                        Pod.DEFAULT_VOLUME_NAME,
                        true,
                        Map.of("csi.spiffe.io/contents", "socket,files"));
                Path victimSocket = socketIn(tree, node.kubelet().publish(victimPod), "v");
                Path evilTarget = node.kubelet().publish(evilPod);
                Path evilSocket = socketIn(tree, evilTarget, "e");
                ProcSampler.Watch memory = ProcSampler.watch(node.driver().pid(), Duration.ofMillis(100));
                VictimWorkload victim = new VictimWorkload(victimSocket, eventLoops);
                return new Scene(tree, node, List.of(evilPod, victimPod), evilTarget, evilSocket, memory, victim);
            } catch (Exception | Error e) {
                if (node != null) {
                    node.close();
                }
                tree.close();
                throw e;
            }
        }

        DriverProcess driver() {
            return node.driver();
        }

        /** The victim stops, the kubelet unpublishes (best effort), the driver and agent stop, the tree goes. */
        @Override
        public void close() throws Exception {
            try {
                victim.close();
                memory.close();
                for (Pod pod : pods) {
                    if (node.driver().alive()) {
                        try {
                            node.kubelet().unpublish(pod);
                        } catch (IOException | RuntimeException e) {
                            System.out.println("unpublishing " + pod.displayName() + " at the end failed: " + e);
                        }
                    }
                }
            } finally {
                try {
                    node.close();
                } finally {
                    tree.close();
                }
            }
        }
    }

    @Test
    void oneVolumesAbuseNeitherKillsTheDriverNorStarvesAnotherVolumesWorkload() throws Exception {
        TierGate.requireRealMounts();
        System.out.println("== " + PART + ": " + TierSeed.howToRepeat() + " (the abuse itself is not random)");
        EventLoopGroup eventLoops = new EpollEventLoopGroup(2);
        List<Map.Entry<String, Abuse>> phases = List.of(
                Map.entry("connection flood", s -> connectionFlood(s.evilSocket, s.driver())),
                Map.entry("1,000 streams", s -> streams(s.evilSocket, eventLoops)),
                Map.entry("4 MiB messages", s -> bigMessages(s.evilSocket, eventLoops)),
                Map.entry("slow readers", s -> slowReaders(s.evilSocket)),
                Map.entry("open-file flood", s -> openFiles(s.evilTarget)));
        ProcSample peak = null;
        List<String> settings = FuseProxyNode.extraSettings();
        TierReport.info(PART, "backend settings added", settings.isEmpty() ? "none" : String.join("; ", settings));
        try {
            scene = Scene.start(eventLoops);
            scene.victim.awaitCalls(20, PATIENCE);
            report("before the abuse", scene.victim.phase(phases.getFirst().getKey()), "");
            for (Map.Entry<String, Abuse> phase : phases) {
                if (!scene.driver().alive()) {
                    peak = max(peak, scene.memory.peak());
                    scene.close();
                    scene = Scene.start(eventLoops);
                    TierReport.info(
                            PART, "before the " + phase.getKey(), "a new driver and node: the last driver exited");
                    scene.victim.awaitCalls(5, PATIENCE);
                    scene.victim.phase(phase.getKey());
                }
                String attacker;
                try {
                    attacker = phase.getValue().run(scene);
                } catch (Exception | AssertionError e) {
                    attacker = "the abuse failed: " + e;
                    failures.add(phase.getKey() + ": the abuse itself failed: " + e);
                }
                scene.victim.awaitCalls(10, PATIENCE);
                report(phase.getKey(), scene.victim.phase("after " + phase.getKey()), attacker);
            }
            peak = max(peak, scene.memory.peak());
            TierReport.info(
                    PART,
                    "driver peak during the abuse",
                    String.format(
                            Locale.ROOT,
                            "VmRSS %.1f MiB, %d open files, %d threads",
                            peak.rssMiB(),
                            peak.openFds(),
                            peak.threads()));
        } finally {
            if (scene != null) {
                scene.close();
            }
            eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        assertTrue(failures.isEmpty(), () -> PART + " abuse failed:\n  " + String.join("\n  ", failures));
    }

    private static ProcSample max(ProcSample peak, ProcSample sample) {
        return peak == null ? sample : peak.max(sample);
    }

    /** The volume's socket, through a short link when its path is too long for a Unix socket address. */
    private static Path socketIn(NodeTree tree, Path target, String linkName) throws IOException {
        WorkloadEndpoint endpoint = WorkloadEndpoint.reach(
                target.resolve(FuseProxyNode.SOCKET_NAME), tree.linksDir().resolve(linkName));
        return Path.of(endpoint.address().substring("unix://".length()));
    }

    private void report(String phase, VictimWorkload.Latency latency, String attacker) {
        String death = scene.driver().deathNotice();
        TierReport.add(
                PART,
                "driver process after " + phase,
                death == null ? "alive" : "EXITED",
                "never exits",
                death == null);
        if (death != null) {
            failures.add("the driver exited during the " + phase + ": " + death);
        }
        boolean held = latency.failures() == 0 && latency.calls() > 0 && latency.maxMs() <= VICTIM_MAX_MILLIS;
        TierReport.add(
                PART,
                "victim SVIDs during " + phase,
                latency.summary(),
                "0 failed, max <= " + VICTIM_MAX_MILLIS + " ms",
                held);
        if (!held) {
            failures.add("the other volume's workload during the " + phase + ": " + latency.summary()
                    + (latency.firstFailure() == null ? "" : "; first failure: " + latency.firstFailure()));
        }
        if (!attacker.isEmpty()) {
            TierReport.info(PART, "attacker got, " + phase, attacker);
        }
    }

    /** Connections that send the preface and SETTINGS, held open in batches the open-file limit allows. */
    private String connectionFlood(Path socket, DriverProcess driver) throws InterruptedException {
        int batch = Math.max(100, Math.min(CONNECTIONS, RawConnections.openFileLimit() - 2_000));
        int opened = 0;
        int refused = 0;
        int retries = 0;
        int closedByServer = 0;
        String firstRefusal = null;
        for (int done = 0; done < CONNECTIONS && driver.alive(); done += batch) {
            try (RawConnections connections = new RawConnections()) {
                connections.open(
                        socket, Math.min(batch, CONNECTIONS - done), Http2Frames.prefaceAndSettings(), PATIENCE);
                Thread.sleep(HOLD.toMillis());
                opened += connections.opened();
                refused += connections.refused();
                retries += connections.backlogRetries();
                closedByServer += connections.closedByServer();
                firstRefusal = firstRefusal != null ? firstRefusal : connections.firstRefusal();
            }
        }
        return String.format(
                Locale.ROOT,
                "%d connected (batches of %d, held %d s), %d refused%s, %d connects "
                        + "retried on a full backlog, %d closed by the driver",
                opened,
                batch,
                HOLD.toSeconds(),
                refused,
                firstRefusal == null ? "" : " (" + firstRefusal + ")",
                retries,
                closedByServer);
    }

    /** {@value #STREAMS} FetchX509SVID streams on one connection, held until each has its first answer. */
    private String streams(Path socket, EventLoopGroup eventLoops) throws InterruptedException {
        List<CompletableFuture<X509SVIDResponse>> firsts = new ArrayList<>();
        List<ClientCall<?, ?>> calls = new ArrayList<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        try (WorkloadApiChannel channel = new WorkloadApiChannel(socket, eventLoops)) {
            for (int i = 0; i < STREAMS; i++) {
                CompletableFuture<X509SVIDResponse> first = new CompletableFuture<>();
                firsts.add(first);
                calls.add(channel.fetchX509Svid(first, PATIENCE));
            }
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            for (CompletableFuture<X509SVIDResponse> first : firsts) {
                outcomes.merge(outcome(first, deadline), 1, Integer::sum);
            }
            calls.forEach(call -> call.cancel("the attacker is done", null));
        }
        return STREAMS + " streams: " + outcomes;
    }

    /** {@value #BIG_MESSAGES} ValidateJWTSVID requests of ~4 MiB at once, each on its own connection. */
    private String bigMessages(Path socket, EventLoopGroup eventLoops) throws InterruptedException {
        String token = "e".repeat(MESSAGE_BYTES);
        List<WorkloadApiChannel> channels = new ArrayList<>();
        List<ListenableFuture<?>> answers = new ArrayList<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        try {
            for (int i = 0; i < BIG_MESSAGES; i++) {
                WorkloadApiChannel channel = new WorkloadApiChannel(socket, eventLoops);
                channels.add(channel);
                answers.add(SpiffeWorkloadAPIGrpc.newFutureStub(channel.channel())
                        .withInterceptors(
                                MetadataUtils.newAttachHeadersInterceptor(WorkloadApiChannel.securityHeader()))
                        .withDeadlineAfter(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)
                        .validateJWTSVID(ValidateJWTSVIDRequest.newBuilder()
                                .setAudience("db")
                                .setSvid(token)
                                .build()));
            }
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            for (ListenableFuture<?> answer : answers) {
                outcomes.merge(outcome(answer, deadline), 1, Integer::sum);
            }
        } finally {
            for (WorkloadApiChannel channel : channels) {
                channel.close();
            }
        }
        return BIG_MESSAGES + " x " + MESSAGE_BYTES / 1024 + " KiB: " + outcomes;
    }

    /** Connections with one FetchX509SVID stream each, a receive window of 0, never read. */
    private String slowReaders(Path socket) throws InterruptedException {
        try (RawConnections connections = new RawConnections()) {
            connections.open(socket, SLOW_READERS, Http2Frames.stalledFetchX509Svid(), PATIENCE);
            Thread.sleep(HOLD.toMillis());
            return String.format(
                    Locale.ROOT,
                    "%d connected, %d refused, held %d s without reading",
                    connections.opened(),
                    connections.refused(),
                    HOLD.toSeconds());
        }
    }

    /** {@value #OPEN_FILES} handles on the volume's credential file, held, then closed. */
    private String openFiles(Path target) throws InterruptedException {
        Path file = target.resolve(FileLayout.CREDENTIAL_BUNDLE);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!Files.exists(file) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        if (!Files.exists(file)) {
            failures.add("open-file flood: the attacker's volume never showed " + file);
            return "no credential file appeared within " + PATIENCE;
        }
        List<FileChannel> handles = new ArrayList<>();
        int failed = 0;
        String firstFailure = null;
        try {
            for (int i = 0; i < OPEN_FILES; i++) {
                try {
                    handles.add(FileChannel.open(file, StandardOpenOption.READ));
                } catch (IOException e) {
                    failed++;
                    firstFailure = firstFailure != null ? firstFailure : e.toString();
                }
            }
            Thread.sleep(HOLD.toMillis());
        } finally {
            for (FileChannel handle : handles) {
                try {
                    handle.close();
                } catch (IOException ignored) {
                    // closing is all that is left to do
                }
            }
        }
        return String.format(
                Locale.ROOT,
                "%d opened, %d refused%s",
                handles.size(),
                failed,
                firstFailure == null ? "" : " (" + firstFailure + ")");
    }

    /** OK, a status code, or "no answer", for one of the attacker's calls. */
    private static String outcome(java.util.concurrent.Future<?> answer, long deadlineNanos)
            throws InterruptedException {
        try {
            answer.get(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return "OK";
        } catch (ExecutionException e) {
            return Status.fromThrowable(e.getCause()).getCode().name();
        } catch (TimeoutException e) {
            return "no answer in " + PATIENCE.toSeconds() + " s";
        }
    }
}
