package dev.spiffecsi.e2e;

import dev.spiffecsi.e2e.cluster.Kubectl;
import dev.spiffecsi.e2e.cluster.PodDiagnostics;
import dev.spiffecsi.e2e.cluster.RenderedOverlay;
import dev.spiffecsi.e2e.cluster.TestOverlays;
import dev.spiffecsi.e2e.cluster.WorkloadPod;
import dev.spiffecsi.e2e.image.ImageBuilder;
import dev.spiffecsi.e2e.image.LocalImages;
import dev.spiffecsi.e2e.rig.HostDirectories;
import dev.spiffecsi.e2e.rig.MountTable;
import dev.spiffecsi.e2e.rig.RealNode;
import dev.spiffecsi.e2e.support.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tier's session, shared by the three backends' test classes: the rig brought up once, the images built once,
 * and everything taken away at the end (down.sh, then the node directories the pods created), also when a check
 * fails, and from a shutdown hook when the JVM is stopped. It measures the tier's wall time and prints, at the
 * end, every check's result and what the checks recorded (the mountinfo lines of the read-only question).
 */
final class Tier implements AutoCloseable {

    private final Path projectRoot;
    private final Path reportDir;
    private final RealNode node;
    private final Kubectl kubectl;
    private final TestOverlays overlays;
    private final PodDiagnostics diagnostics;
    private final Map<String, Duration> phases = new LinkedHashMap<>();
    private final List<String> results = new ArrayList<>();
    private final Map<String, String> records = new LinkedHashMap<>();
    private final List<String> publishedTargets = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread shutdownHook = new Thread(() -> printSummary(takeDown()), "realnode-down");
    private final long started = System.nanoTime();
    private LocalImages images;
    private HostDirectories hostDirectories = HostDirectories.before(List.of());
    private boolean takenDown;

    private Tier(Path projectRoot, RealNode node) {
        this.projectRoot = projectRoot;
        this.reportDir = projectRoot.resolve("deploy/e2e/target/e2e");
        this.node = node;
        this.kubectl = new Kubectl(node.binary("kubectl"), node.kubeconfig());
        this.overlays = new TestOverlays(projectRoot.resolve("deploy/e2e/kustomize"), kubectl);
        this.diagnostics = new PodDiagnostics(kubectl);
    }

    static Path projectRoot() {
        return Path.of(System.getProperty("spiffecsi.root", "../.."))
                .toAbsolutePath()
                .normalize();
    }

    static RealNode.Availability availability() {
        return RealNode.locate(projectRoot(), projectRoot().resolve("deploy/e2e/target/e2e"));
    }

    /** Brings the rig up (clean), builds and imports the images; on failure takes the rig down again. */
    static Tier start(RealNode node) {
        Tier tier = new Tier(projectRoot(), node);
        Runtime.getRuntime().addShutdownHook(tier.shutdownHook);
        try {
            tier.setUp();
            return tier;
        } catch (RuntimeException | Error e) {
            try {
                tier.close();
            } catch (RuntimeException | Error closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private void setUp() {
        Optional<String> elsewhere = node.whyNotInThisMountNamespace();
        if (elsewhere.isPresent()) {
            throw new IllegalStateException(elsewhere.get());
        }
        if (node.kubeletPid().isPresent()) {
            phase("down.sh (a clean rig)", node::down);
        }
        phase("up.sh", node::up);
        // down.sh keeps the cluster's data: pods of an earlier run that its down.sh found unfinished (their driver
        // was gone) come back with it, Terminating, and would keep their names from this run's pods. down.sh
        // unmounted what they held; only the API objects are left to remove.
        kubectl.run(List.of(
                        "delete",
                        "pods",
                        "-A",
                        "-l",
                        WorkloadPod.LABEL + "=" + WorkloadPod.LABEL_VALUE,
                        "--force",
                        "--grace-period=0",
                        "--ignore-not-found",
                        "--wait=true"))
                .orThrow();
        // the dev overlay's example workload is the upstream example's pod, without the tier's label
        kubectl.run(List.of(
                        "delete",
                        "pod",
                        "-n",
                        "default",
                        "example-workload",
                        "--force",
                        "--grace-period=0",
                        "--ignore-not-found",
                        "--wait=true"))
                .orThrow();
        List<RenderedOverlay> rendered = Arrays.stream(Backend.values())
                .map(b -> overlays.render(b.overlay))
                .toList();
        List<Path> created = new ArrayList<>();
        for (RenderedOverlay overlay : rendered) {
            for (String volume : List.of("spire-agent-socket-dir", "spiffe-csi-socket-dir", "spiffe-csi-state")) {
                created.add(Path.of(overlay.hostPath(volume)));
            }
        }
        hostDirectories = HostDirectories.before(created);
        images = overlays.localImages(rendered.getFirst());
        Path jar = Path.of(System.getProperty("spiffecsi.svidCheckJar", "target/e2e.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no SVID check jar at " + jar + ": run the tier after `package`");
        }
        ImageBuilder builder = new ImageBuilder(projectRoot, cache().resolve("work"), cache(), node, jar);
        phase("images", () -> builder.build(images));
    }

    /** Where the Debian root file system is kept between runs ($SPIFFECSI_E2E_CACHE). */
    private static Path cache() {
        return Path.of(Optional.ofNullable(System.getenv("SPIFFECSI_E2E_CACHE")).orElse("/var/tmp/spiffe-csi-e2e"));
    }

    RealNode node() {
        return node;
    }

    Kubectl kubectl() {
        return kubectl;
    }

    TestOverlays overlays() {
        return overlays;
    }

    PodDiagnostics diagnostics() {
        return diagnostics;
    }

    LocalImages images() {
        return images;
    }

    /** Runs and times one step of the tier. */
    void phase(String name, Runnable step) {
        long start = System.nanoTime();
        Progress.log(name + " ...");
        try {
            step.run();
        } finally {
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            phases.merge(name, took, Duration::plus);
            Progress.log(name + " took " + Progress.format(took));
        }
    }

    /** Runs and times one step of the tier that yields something. */
    <T> T phase(String name, java.util.function.Supplier<T> step) {
        List<T> result = new ArrayList<>(1);
        phase(name, () -> {
            result.add(step.get());
        });
        return result.getFirst();
    }

    void result(String line) {
        results.add(line);
    }

    /** Something a check observed that the closing summary shows (and the README relies on). */
    void record(String title, String text) {
        records.put(title, text);
        Progress.log(title + ":\n" + text.strip().indent(4).stripTrailing());
    }

    /**
     * A target path a check saw published (a mount, or symlink-dev's link, and a state record): the final check
     * ({@link NothingLeftIT}) looks for each of them again, so that it checks places that held something.
     */
    void notePublished(String target) {
        publishedTargets.add(target);
    }

    List<String> publishedTargets() {
        return List.copyOf(publishedTargets);
    }

    /** down.sh, then the node directories the pods created; fails when mounts are left behind. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs
        }
        List<String> problems = takeDown();
        printSummary(problems);
        if (!problems.isEmpty()) {
            throw new AssertionError("the tier left things behind:\n" + String.join("\n", problems));
        }
    }

    private synchronized List<String> takeDown() {
        if (takenDown) {
            return List.of();
        }
        takenDown = true;
        List<String> problems = new ArrayList<>();
        if (images != null && node.kubeletPid().isPresent()) {
            try {
                node.removeImages(images.all());
            } catch (RuntimeException e) {
                problems.add("the tier's images could not be removed: " + e.getMessage());
            }
        }
        try {
            phase("down.sh", node::down);
        } catch (RuntimeException e) {
            problems.add("down.sh failed: " + e.getMessage());
        }
        MountTable mounts = MountTable.read(Path.of("/proc/self/mountinfo"));
        for (String prefix : List.of("/var/lib/kubelet", "/run/containerd")) {
            List<MountTable.Mount> left = mounts.atOrBelow(prefix);
            if (!left.isEmpty()) {
                problems.add("mounts left below " + prefix + " after down.sh:\n" + mounts.describe(left));
            }
        }
        problems.addAll(hostDirectories.removeCreated(mounts));
        return problems;
    }

    private void printSummary(List<String> problems) {
        Duration wall = Duration.ofNanos(System.nanoTime() - started);
        StringBuilder text = new StringBuilder("\n===== realnode end-to-end tier: wall time ")
                .append(Progress.format(wall))
                .append(" (")
                .append(wall.toSeconds())
                .append(" s)\n");
        phases.forEach((name, took) -> text.append(String.format("  %-40s %s%n", name, Progress.format(took))));
        text.append("----- checks\n");
        results.forEach(line -> text.append("  ").append(line).append('\n'));
        records.forEach((title, body) -> text.append("----- ")
                .append(title)
                .append('\n')
                .append(body.strip().indent(2)));
        problems.forEach(problem -> text.append("LEFT BEHIND: ").append(problem).append('\n'));
        System.out.println(text);
        try {
            Files.createDirectories(reportDir);
            Files.writeString(reportDir.resolve("report.txt"), text);
        } catch (IOException e) {
            System.out.println("cannot write " + reportDir.resolve("report.txt") + ": " + e.getMessage());
        }
    }
}
