package dev.spiffecsi.hostile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.spiffecsi.bench.ProcSampler;
import dev.spiffecsi.dev.kubelet.KubeletRequests;
import dev.spiffecsi.dev.kubelet.Pod;
import dev.spiffecsi.engine.csi.proto.NodeGetVolumeStatsRequest;
import dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeRequest;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * CSI fuzzing against the real driver process (bindmount, real mounts) over its real CSI socket: a sequential main
 * phase of generated and mutated calls with symlink swaps between them ({@link CsiFuzzer}), a phase of calls on trap
 * pods while another thread keeps swapping their volume directories for symlinks, and a phase of concurrent calls on
 * one target; then everything that was published is unpublished.
 *
 * <p>Checks: the driver process never exits; every answer's code is in {@link CsiRpc}'s table (INTERNAL, a stall
 * past the {@value #CALL_DEADLINE_SECONDS} s deadline or any other code fails); a request that must be refused is
 * never answered OK; nothing is ever mounted outside the pods directory, and nothing in the sentinel tree next to it
 * changes; after the final unpublish no mount is left below the pods directory and no state record remains; the
 * driver's VmRSS stays at most {@value #RSS_BOUND_MIB} MiB.
 */
class CsiFuzzIT {

    static final String PART = "csi-fuzz";
    static final int CALL_DEADLINE_SECONDS = 10;
    static final int RSS_BOUND_MIB = 160;
    static final int MIN_REQUESTS = 10_000;

    private static final int MAIN_STEPS = Integer.getInteger("hostile.fuzz.steps", 9_000);
    private static final int RACE_CALLS = Integer.getInteger("hostile.fuzz.race", 1_000);
    private static final int SAME_TARGET_CALLS = Integer.getInteger("hostile.fuzz.same-target", 1_000);
    private static final int PODS = 24;
    private static final int TRAPS = 6;
    private static final Duration READY = Duration.ofSeconds(30);
    /** The whole fuzzing is cut short past this (and says so), so that a slow driver cannot stall the tier. */
    private static final Duration BUDGET = Duration.ofSeconds(150);

    private static final Set<Status.Code> RETRY =
            Set.of(Status.Code.ABORTED, Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);

    private final FuzzTally tally = new FuzzTally();
    private final Map<String, Set<String>> published = new ConcurrentHashMap<>();
    private final Set<String> escapedMounts = ConcurrentHashMap.newKeySet();
    private final List<String> failures = new ArrayList<>();

    private NodeTree node;
    private DriverProcess driver;
    private CsiClient client;
    private List<String> baselineMounts;
    private long deadlineNanos;

    @AfterAll
    static void publishReport() {
        TierReport.publish();
    }

    @Test
    void theDriverSurvivesFuzzedCsiCallsAndNeverMountsOrCreatesOutsideThePodsDirectory() throws Exception {
        TierGate.requireRealMounts();
        long seed = TierSeed.forPart(PART);
        System.out.println("== " + PART + ": " + TierSeed.howToRepeat());
        long start = System.nanoTime();
        deadlineNanos = start + BUDGET.toNanos();
        try (NodeTree tree = NodeTree.create()) {
            node = tree;
            CsiFuzzer fuzzer = new CsiFuzzer(seed, node.podsDir(), node.outside(), PODS, TRAPS);
            TrapSwaps swaps = prepareNode(fuzzer);
            TreeSnapshot sentinelBefore = sentinel();
            baselineMounts = MountTable.mountPoints();
            driver = DriverProcess.start(node, "bindmount", List.of());
            ProcSampler.Watch memory = null;
            try {
                Duration ready = driver.awaitReady(READY);
                memory = ProcSampler.watch(driver.pid(), Duration.ofMillis(50));
                client = new CsiClient(node.csiSocket(), Duration.ofSeconds(CALL_DEADLINE_SECONDS));
                System.out.printf(
                        Locale.ROOT,
                        "driver ready after %d ms (pid %d); %d + %d + %d calls%n",
                        ready.toMillis(),
                        driver.pid(),
                        MAIN_STEPS,
                        RACE_CALLS,
                        SAME_TARGET_CALLS);

                int mainSteps = mainPhase(fuzzer, swaps);
                int raceCalls = racePhase(fuzzer, swaps, seed);
                int sameTargetCalls = sameTargetPhase(fuzzer);
                swaps.restoreAll();
                int cleanupFailures = unpublishEverything(fuzzer);
                checkMounts();

                long peakKiB = memory.peak().rssKiB();
                report(
                        mainSteps,
                        raceCalls,
                        sameTargetCalls,
                        swaps,
                        cleanupFailures,
                        peakKiB,
                        sentinelBefore,
                        System.nanoTime() - start);
            } finally {
                if (memory != null) {
                    memory.close();
                }
                if (client != null) {
                    client.close();
                }
                driver.close();
            }
        }
        assertTrue(
                failures.isEmpty(),
                () -> PART + " failed (" + TierSeed.howToRepeat() + "):\n  " + String.join("\n  ", failures));
    }

    /** Pods' volume directories as the kubelet makes them, and the sentinel tree every escape points into. */
    private TrapSwaps prepareNode(CsiFuzzer fuzzer) throws IOException {
        for (Pod pod : fuzzer.pods()) {
            KubeletRequests.prepareParent(fuzzer.layout(), pod);
        }
        List<Path> trapOutside = new ArrayList<>();
        for (int i = 0; i < fuzzer.traps().size(); i++) {
            KubeletRequests.prepareParent(fuzzer.layout(), fuzzer.traps().get(i));
            Path outside = Files.createDirectories(fuzzer.trapOutside(i));
            if (i % 2 == 0) {
                Files.createDirectory(outside.resolve("mount")); // a mount on it, or its removal, shows
            }
            Files.createDirectories(outside.resolveSibling(outside.getFileName() + "-target"));
            trapOutside.add(outside);
        }
        for (int i = 0; i < 4; i++) {
            Path victim = Files.createDirectories(node.outside().resolve("victim-" + i));
            Files.createDirectory(victim.resolve("mount"));
            Files.writeString(victim.resolve("secret"), "not the driver's to touch\n");
        }
        Files.createDirectories(node.root().resolve("pods-evil"));
        return new TrapSwaps(fuzzer.layout(), fuzzer.traps(), trapOutside);
    }

    /** Everything below the node's root but the driver's own (pods, state, sockets, logs, config). */
    private TreeSnapshot sentinel() throws IOException {
        Set<Path> own = Set.of(node.podsDir(), node.stateDir(), node.agentDir(), node.linksDir(), node.csiSocket());
        return TreeSnapshot.of(
                node.root(),
                path -> own.contains(path)
                        || (path.getParent() != null
                                && path.getParent().equals(node.root())
                                && path.getFileName().toString().startsWith("driver")));
    }

    private boolean outOfTime() {
        return System.nanoTime() > deadlineNanos;
    }

    private boolean driverGone() {
        return !driver.alive();
    }

    private int mainPhase(CsiFuzzer fuzzer, TrapSwaps swaps) {
        int step = 0;
        for (; step < MAIN_STEPS && !driverGone() && !outOfTime(); step++) {
            FuzzStep next = fuzzer.next();
            switch (next) {
                case FuzzStep.Swap swap -> swaps.toggle(swap.trap(), swap.kind());
                case FuzzStep.Call call -> run(call);
                case FuzzStep.RawCall raw -> runRaw(raw);
            }
            if (step % 250 == 0) {
                checkMounts();
            }
        }
        checkMounts();
        return step;
    }

    /** Calls on the trap pods by 4 threads while another swaps their volume directories for symlinks. */
    private int racePhase(CsiFuzzer fuzzer, TrapSwaps swaps, long seed) throws InterruptedException {
        List<FuzzStep> steps = new ArrayList<>();
        for (int i = 0; i < RACE_CALLS; i++) {
            steps.add(fuzzer.trapCall());
        }
        AtomicBoolean racing = new AtomicBoolean(true);
        Thread swapper = Thread.ofPlatform().name("hostile-swapper").start(() -> {
            Random random = new Random(seed + 1);
            while (racing.get()) {
                swaps.toggle(random.nextInt(TRAPS), FuzzStep.SwapKind.PARENT);
                Thread.onSpinWait();
            }
        });
        try {
            return concurrently(steps, 4);
        } finally {
            racing.set(false);
            swapper.join(5_000);
            checkMounts();
        }
    }

    private int sameTargetPhase(CsiFuzzer fuzzer) throws InterruptedException {
        Pod pod = fuzzer.pods().getFirst();
        List<FuzzStep> steps = new ArrayList<>();
        for (int i = 0; i < SAME_TARGET_CALLS; i++) {
            steps.add(fuzzer.oneTargetCall(pod));
        }
        int done = concurrently(steps, 8);
        checkMounts();
        return done;
    }

    private int concurrently(List<FuzzStep> steps, int threads) throws InterruptedException {
        ExecutorService workers = Executors.newFixedThreadPool(threads);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int first = t;
                results.add(workers.submit(() -> {
                    int done = 0;
                    for (int i = first; i < steps.size() && !driverGone() && !outOfTime(); i += threads) {
                        run((FuzzStep.Call) steps.get(i));
                        done++;
                    }
                    return done;
                }));
            }
            int done = 0;
            for (Future<Integer> result : results) {
                try {
                    done += result.get(BUDGET.toSeconds() + CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    failures.add("a worker of the concurrent phase failed: " + e);
                }
            }
            return done;
        } finally {
            workers.shutdownNow();
            workers.awaitTermination(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS);
        }
    }

    private void run(FuzzStep.Call call) {
        CsiClient.Outcome outcome = client.call(call.rpc(), call.request());
        tally.record(call.rpc(), call.label(), call.mustRefuse(), outcome);
        if (outcome.code() == Status.Code.OK) {
            remember(call.rpc(), call.target(), call.volumeId());
        }
    }

    private void runRaw(FuzzStep.RawCall raw) {
        com.google.protobuf.Message decoded = decode(raw);
        CsiClient.Outcome outcome = client.callRaw(raw.rpc(), raw.bytes());
        tally.recordRaw(raw.rpc(), raw.label(), decoded != null, outcome);
        if (outcome.code() == Status.Code.OK && decoded instanceof NodePublishVolumeRequest publish) {
            remember(raw.rpc(), publish.getTargetPath(), publish.getVolumeId());
        } else if (outcome.code() == Status.Code.OK && decoded instanceof NodeUnpublishVolumeRequest unpublish) {
            remember(raw.rpc(), unpublish.getTargetPath(), unpublish.getVolumeId());
        }
    }

    private static com.google.protobuf.Message decode(FuzzStep.RawCall raw) {
        try {
            return switch (raw.rpc()) {
                case PUBLISH -> NodePublishVolumeRequest.parseFrom(raw.bytes());
                case UNPUBLISH -> NodeUnpublishVolumeRequest.parseFrom(raw.bytes());
                case STATS -> NodeGetVolumeStatsRequest.parseFrom(raw.bytes());
            };
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }

    /** What was published where, so that the end can unpublish it all, whatever volume id it went under. */
    private void remember(CsiRpc rpc, String target, String volumeId) {
        if (rpc == CsiRpc.PUBLISH) {
            published
                    .computeIfAbsent(target, t -> ConcurrentHashMap.newKeySet())
                    .add(volumeId);
        }
    }

    /** Every mount outside the pods directory that was not there before the driver started. */
    private void checkMounts() {
        Set<String> before = new HashSet<>(baselineMounts);
        String pods = node.podsDir() + "/";
        for (String point : MountTable.mountPoints()) {
            if (!before.contains(point) && !point.startsWith(pods)) {
                escapedMounts.add(point);
            }
        }
    }

    /** The kubelet's unpublish of everything that answered OK to a publish, retried while the driver says later. */
    private int unpublishEverything(CsiFuzzer fuzzer) throws InterruptedException {
        fuzzer.kubeletTargets()
                .forEach((target, id) -> published
                        .computeIfAbsent(target, t -> ConcurrentHashMap.newKeySet())
                        .add(id));
        int failed = 0;
        for (Map.Entry<String, Set<String>> entry : published.entrySet()) {
            for (String id : entry.getValue()) {
                if (driverGone()) {
                    return failed + 1;
                }
                NodeUnpublishVolumeRequest request = NodeUnpublishVolumeRequest.newBuilder()
                        .setVolumeId(id)
                        .setTargetPath(entry.getKey())
                        .build();
                CsiClient.Outcome outcome = client.call(CsiRpc.UNPUBLISH, request);
                for (int attempt = 1; RETRY.contains(outcome.code()) && attempt < 5; attempt++) {
                    Thread.sleep(200);
                    outcome = client.call(CsiRpc.UNPUBLISH, request);
                }
                tally.record(CsiRpc.UNPUBLISH, "final kubelet unpublish", null, outcome);
                if (outcome.code() != Status.Code.OK
                        && outcome.code() != Status.Code.NOT_FOUND
                        && outcome.code() != Status.Code.INVALID_ARGUMENT) {
                    failed++;
                }
            }
        }
        return failed;
    }

    private List<String> recordsLeft() throws IOException {
        if (!Files.isDirectory(node.recordsDir())) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(node.recordsDir())) {
            return files.map(path -> path.getFileName().toString())
                    .filter(name -> name.endsWith(".json"))
                    .toList();
        }
    }

    private void report(
            int mainSteps,
            int raceCalls,
            int sameTargetCalls,
            TrapSwaps swaps,
            int cleanupFailures,
            long peakKiB,
            TreeSnapshot sentinelBefore,
            long elapsedNanos)
            throws IOException {
        String death = driver.deathNotice();
        List<String> leftMounts = driver.alive() ? MountTable.mountPointsBelow(node.podsDir()) : List.of();
        List<String> leftRecords = driver.alive() ? recordsLeft() : List.of();
        List<String> sentinelChanges = sentinelBefore.changesTo(sentinel());
        double peakMiB = peakKiB / 1024.0;

        check(
                "requests sent (main " + mainSteps + " steps, race " + raceCalls + ", one target " + sameTargetCalls
                        + ")",
                tally.calls() + "",
                ">= " + MIN_REQUESTS,
                tally.calls() >= MIN_REQUESTS,
                "only " + tally.calls() + " requests were sent"
                        + (outOfTime() ? " before the " + BUDGET + " budget ran out" : ""));
        check(
                "driver process",
                death == null ? "alive" : "EXITED",
                "never exits",
                death == null,
                death == null ? "" : death);
        check(
                "answers outside the CSI code table",
                tally.disallowedCount() + "",
                "0",
                tally.disallowedCount() == 0,
                "codes outside the table: " + tally.disallowedExamples());
        check(
                "INTERNAL answers",
                tally.internalCount() + "",
                "0",
                tally.internalCount() == 0,
                "INTERNAL answers (see above)");
        check(
                "stalls (no answer in " + CALL_DEADLINE_SECONDS + " s)",
                tally.stalls() + "",
                "0",
                tally.stalls() == 0,
                "calls that got no answer within " + CALL_DEADLINE_SECONDS + " s");
        check(
                "must-refuse requests answered OK",
                tally.wronglyAcceptedCount() + "",
                "0",
                tally.wronglyAcceptedCount() == 0,
                "accepted what must be refused: " + tally.wronglyAcceptedExamples());
        check(
                "mounts outside the pods directory",
                escapedMounts.size() + "",
                "0",
                escapedMounts.isEmpty(),
                "mounted outside " + node.podsDir() + ": " + escapedMounts);
        check(
                "changes in the sentinel tree outside",
                sentinelChanges.size() + "",
                "0",
                sentinelChanges.isEmpty(),
                "created, removed or changed outside the pods directory: "
                        + sentinelChanges.subList(0, Math.min(8, sentinelChanges.size())));
        check(
                "mounts left below the pods dir after unpublish",
                death != null ? "n/a" : leftMounts.size() + "",
                "0",
                death == null && leftMounts.isEmpty(),
                "left mounted: " + leftMounts);
        check(
                "state records left after unpublish",
                death != null ? "n/a" : leftRecords.size() + "",
                "0",
                death == null && leftRecords.isEmpty(),
                "records left in " + node.recordsDir() + ": "
                        + leftRecords.subList(0, Math.min(8, leftRecords.size())));
        check(
                "final unpublishes that failed",
                cleanupFailures + "",
                "0",
                cleanupFailures == 0,
                cleanupFailures + " final unpublishes did not succeed");
        check(
                "driver VmRSS, max",
                String.format(Locale.ROOT, "%.1f MiB", peakMiB),
                "<= " + RSS_BOUND_MIB + " MiB",
                peakMiB <= RSS_BOUND_MIB,
                String.format(Locale.ROOT, "the driver's RSS reached %.1f MiB", peakMiB));
        TierReport.info(PART, "symlink swaps (skipped)", swaps.swaps() + " (" + swaps.skipped() + ")");
        tally.codesByRpc().forEach((rpc, codes) -> TierReport.info(PART, "codes " + rpc, codes));
        TierReport.info(PART, "wall time", String.format(Locale.ROOT, "%.1f s", elapsedNanos / 1e9));
    }

    private void check(String figure, String measured, String bound, boolean held, String failure) {
        TierReport.add(PART, figure, measured, bound, held);
        if (!held) {
            failures.add(figure + ": " + failure);
        }
    }
}
