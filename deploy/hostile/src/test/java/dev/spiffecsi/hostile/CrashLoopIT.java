package dev.spiffecsi.hostile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.FuseProxyProvider;
import dev.spiffecsi.dev.agent.DevAgent;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crash-loop proof: the real driver process, started on a state directory poisoned with an oversized, a corrupt,
 * a FIFO, a symlinked and an out-of-tree record ({@link PoisonedStateDir}), answers Probe with ready within
 * {@value #READY_BOUND_SECONDS} s, keeps running, has moved every bad record aside (not deleted it), kept the good
 * one, and mounted nothing for the out-of-tree record (nor anything else outside the pods directory). With bindmount,
 * and with fuse-proxy, whose start-up resumes (mounts again) the volumes it finds recorded.
 */
class CrashLoopIT {

    static final String PART = "crash-loop";
    static final int READY_BOUND_SECONDS = 15;
    private static final Duration SETTLE = Duration.ofSeconds(2);

    @AfterAll
    static void publishReport() {
        TierReport.publish();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bindmount", FuseProxyProvider.NAME})
    void aPoisonedStateDirectoryNeitherKeepsTheDriverFromServingNorMountsOutside(String backend) throws Exception {
        TierGate.requireRealMounts();
        String part = PART + " " + backend;
        List<String> failures = new ArrayList<>();
        try (NodeTree node = NodeTree.create()) {
            PoisonedStateDir state = PoisonedStateDir.create(node, backend);
            TreeSnapshot outsideBefore = TreeSnapshot.of(node.outside());
            Set<String> mountsBefore = new HashSet<>(MountTable.mountPoints());
            boolean fuseProxy = backend.equals(FuseProxyProvider.NAME);
            // fuse-proxy is ready only with its agent's admin socket there
            DevAgent agent = fuseProxy ? FuseProxyNode.startAgent(node, List.of()) : null;
            List<String> config = fuseProxy ? FuseProxyNode.config(node) : List.of();
            try (DriverProcess driver = DriverProcess.start(node, backend, config)) {
                Duration ready = null;
                String notReady = null;
                try {
                    ready = driver.awaitReady(Duration.ofSeconds(READY_BOUND_SECONDS));
                } catch (AssertionError e) {
                    notReady = e.getMessage();
                }
                boolean inTime = ready != null;
                TierReport.add(
                        part,
                        "start-up to ready",
                        inTime ? ready.toMillis() + " ms" : "not ready",
                        "<= " + READY_BOUND_SECONDS + " s",
                        inTime);
                if (!inTime) {
                    failures.add("not serving within " + READY_BOUND_SECONDS + " s: " + notReady);
                }
                Thread.sleep(SETTLE.toMillis());
                String death = driver.deathNotice();
                TierReport.add(
                        part,
                        "driver process " + SETTLE.toSeconds() + " s later",
                        death == null ? "alive" : "EXITED",
                        "never exits",
                        death == null);
                if (death != null && inTime) {
                    failures.add(death);
                }
                driver.rssKiB()
                        .ifPresent(kib -> TierReport.info(
                                part,
                                "driver VmRSS once serving",
                                String.format(Locale.ROOT, "%.1f MiB", kib / 1024.0)));

                for (String kind : PoisonedStateDir.BAD) {
                    Optional<Path> aside = state.movedTo(kind, node.stateDir());
                    boolean moved = !state.inPlace(kind) && aside.isPresent();
                    TierReport.add(
                            part,
                            kind + " record moved aside",
                            moved ? "yes" : state.inPlace(kind) ? "still in place" : "DELETED",
                            "moved, not deleted",
                            moved);
                    if (!moved) {
                        failures.add("the " + kind + " record " + state.file(kind)
                                + (state.inPlace(kind) ? " is still in place" : " was deleted instead of moved aside"));
                    }
                }
                boolean goodKept = state.inPlace("good");
                TierReport.add(part, "good record kept", goodKept ? "yes" : "NO", "kept", goodKept);
                if (!goodKept) {
                    failures.add("the good record " + state.file("good") + " was moved or deleted");
                }

                List<String> outsideMounts = new ArrayList<>();
                for (String point : MountTable.mountPoints()) {
                    if (!mountsBefore.contains(point) && !point.startsWith(node.podsDir() + "/")) {
                        outsideMounts.add(point);
                    }
                }
                TierReport.add(
                        part, "mounts outside the pods dir", outsideMounts.size() + "", "0", outsideMounts.isEmpty());
                if (!outsideMounts.isEmpty()) {
                    failures.add("mounted outside " + node.podsDir() + " (the out-of-tree record's target is "
                            + state.escapeTarget() + "): " + outsideMounts);
                }
            } finally {
                if (agent != null) {
                    agent.close();
                }
            }
            List<String> changes = outsideBefore.changesTo(TreeSnapshot.of(node.outside()));
            TierReport.add(part, "changes in the sentinel tree", changes.size() + "", "0", changes.isEmpty());
            if (!changes.isEmpty()) {
                failures.add("changed outside the state and pods directories: " + changes);
            }
            if (!Files.exists(state.escapeTarget(), LinkOption.NOFOLLOW_LINKS)) {
                failures.add("the out-of-tree record's target " + state.escapeTarget() + " was removed");
            }
        }
        assertTrue(failures.isEmpty(), () -> part + " failed:\n  " + String.join("\n  ", failures));
    }
}
