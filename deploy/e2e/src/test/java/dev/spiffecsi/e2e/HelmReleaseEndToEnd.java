package dev.spiffecsi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spiffecsi.e2e.cluster.DaemonSetPods;
import dev.spiffecsi.e2e.cluster.GoDriverExample;
import dev.spiffecsi.e2e.cluster.Helm;
import dev.spiffecsi.e2e.cluster.Pods;
import dev.spiffecsi.e2e.cluster.WorkloadPod;
import dev.spiffecsi.e2e.cluster.Workloads;
import dev.spiffecsi.e2e.rig.MountTable;
import dev.spiffecsi.e2e.rig.PodRemains;
import dev.spiffecsi.e2e.rig.RealNode;
import dev.spiffecsi.e2e.rig.StateRecords;
import dev.spiffecsi.e2e.support.Exec;
import dev.spiffecsi.e2e.support.Poll;
import dev.spiffecsi.e2e.support.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 19's Helm checks for one backend, in one release's lifecycle on the real node: {@code helm install} of
 * deploy/helm/spiffe-csi-driver (the driver in its own DaemonSet, as the chart renders it) next to the tier's dev
 * agent in a DaemonSet of its own, {@code helm test}, a workload's SVIDs through the volume, {@code helm upgrade}
 * to another image tag and {@code helm rollback} (each rolled by the real DaemonSet controller) while polling
 * workload pods measure the longest gap they see, and {@code helm uninstall} with the pods still running. Real:
 * Helm, the chart, the controllers, the kubelet, the driver image. Imitated: SPIRE's agent (the dev agent, as
 * everywhere in the tier), and the "new version" is the same image under a second tag (the controller rolls the
 * pod all the same: its template changed).
 */
@ExtendWith({TierExtension.class, CheckReport.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class HelmReleaseEndToEnd implements TierCheck {

    static final String NAMESPACE = "spiffe-csi-helm";
    /** The chart names its objects after a release whose name contains the chart's: spiffe-csi-driver. */
    static final String RELEASE = "spiffe-csi-driver";

    private static final String POLLER = "helm-workload";
    /** fuse-proxy: a polling pod without HostToContainer, reported as the overlay checks report it. */
    private static final String POLLER_WITHOUT_PROPAGATION = "helm-workload-without-propagation";

    private static final String UPGRADE_TAG = "e2e-upgrade";
    private static final Duration READY = Duration.ofMinutes(3);
    private static final Duration RECOVER = Duration.ofSeconds(90);
    /** How long the pollers are watched after a rollout settled, to see them carry on. */
    private static final Duration AFTER = Duration.ofSeconds(5);

    private final Backend backend;
    private Tier tier;
    private Helm helm;
    private Path values;
    Workloads workloads;
    private ObjectNode agent;
    private String upgradeImage;
    private boolean installed;
    private final Map<String, String> uids = new LinkedHashMap<>();

    HelmReleaseEndToEnd(Backend backend) {
        this.backend = backend;
    }

    @Override
    public Tier tier() {
        return tier;
    }

    Helm helm() {
        return helm;
    }

    @BeforeAll
    void deploy(Tier tier) {
        this.tier = tier;
        Optional<Path> binary = Helm.locate();
        if (binary.isEmpty()) {
            String why = "no helm ($HELM, PATH, /usr/local/bin/helm): install it with "
                    + "deploy/kubernetes/tools/install-helm.sh";
            if ("1".equals(System.getenv("SPIFFECSI_REQUIRE_ALL"))) {
                throw new IllegalStateException("SPIFFECSI_REQUIRE_ALL=1 and " + why);
            }
            Assumptions.abort("the Helm checks are skipped: " + why);
        }
        helm = Helm.of(binary.get(), tier.node().kubeconfig());
        tier.phase("helm " + backend.backend + ": dev agent", () -> {
            tier.node().prepareNamespace(NAMESPACE);
            agent = devAgent();
            tier.kubectl().apply(List.of(agent));
            upgradeImage = tier.node().tagImage(tier.images().driver(), UPGRADE_TAG);
            values = writeValues();
        });
    }

    @AfterAll
    void takeAway() {
        if (tier == null || helm == null) {
            return;
        }
        tier.phase("helm " + backend.backend + ": take away", () -> {
            try {
                if (workloads != null) {
                    workloads.close();
                }
            } finally {
                try {
                    // a failed helm test leaves its pod: the kubelet unpublishes its volume only while the driver
                    // is there, and the next release's helm test waits for that name to be free
                    tier.kubectl()
                            .run(List.of(
                                    "delete",
                                    "pod",
                                    RELEASE + "-test",
                                    "-n",
                                    NAMESPACE,
                                    "--ignore-not-found",
                                    "--wait=true",
                                    "--timeout=120s"))
                            .orThrow();
                    if (installed) {
                        helm.run(List.of("uninstall", RELEASE, "-n", NAMESPACE, "--wait", "--timeout", "3m"));
                    }
                } finally {
                    if (agent != null) {
                        tier.kubectl().deleteInForeground(List.of(agent), READY);
                    }
                    if (upgradeImage != null) {
                        tier.node().removeImages(List.of(upgradeImage));
                    }
                }
            }
        });
    }

    @Test
    @Order(10)
    @org.junit.jupiter.api.DisplayName("helm install: the DaemonSet's pod Ready, the driver registered, its AOT cache "
            + "accepted; helm test passes")
    void helmInstallAndTest() {
        tier.phase("helm " + backend.backend + ": install", () -> {
            install();
        });
        JsonNode pod = awaitDriver(tier.images().driver());
        // the image has no cat: the JVM's command line as the node sees it, by the container's process
        String cmdline = tier.node().commandLine(Pods.containerId(pod, RELEASE));
        assertTrue(cmdline.contains("-XX:AOTCache="), "the driver's JVM runs without the AOT cache: " + cmdline);
        List<String> rejected = driverLog(pod).stream()
                .filter(line -> line.contains("[aot]") || line.contains("AOT cache"))
                .toList();
        assertTrue(rejected.isEmpty(), "the JVM logged about its AOT cache:\n" + String.join("\n", rejected));
        String test = tier.phase(
                "helm " + backend.backend + ": helm test",
                () -> helm.run(List.of("test", RELEASE, "-n", NAMESPACE, "--logs", "--timeout", "3m"))
                        .stdout());
        tier.record("helm " + backend.backend + ": helm test", test);
        assertTrue(test.contains("Succeeded"), "helm test did not report a succeeded test:\n" + test);
    }

    @Test
    @Order(20)
    @org.junit.jupiter.api.DisplayName("a workload pod gets its SVIDs through the Helm-installed driver's volume")
    void aWorkloadGetsItsSvids() {
        workloads =
                new Workloads(tier.kubectl(), tier.diagnostics(), tier.images().exampleWorkload(), "csi.spiffe.io");
        List<WorkloadPod> pods = new ArrayList<>();
        WorkloadPod poller = WorkloadPod.readOnly(POLLER).polling();
        pods.add(backend.servesItsOwnSocket() ? poller.withPropagation("HostToContainer") : poller);
        if (backend.servesItsOwnSocket()) {
            pods.add(WorkloadPod.readOnly(POLLER_WITHOUT_PROPAGATION).polling());
        }
        pods.forEach(workloads::create);
        for (WorkloadPod pod : pods) {
            uids.put(pod.name(), Pods.uid(workloads.awaitRunning(pod.name(), this::diagnostics)));
        }
        Exec.Result check = Poll.until(
                POLLER + " to receive its X.509-SVID through the volume",
                RECOVER,
                () -> {
                    Exec.Result result = workloads.svidCheck(POLLER, OverlayEndToEnd.WORKLOAD_ID);
                    return result.ok() ? Poll.met(result) : Poll.notYet(result.describe());
                },
                () -> workloads.diagnose(POLLER) + diagnostics());
        assertFalse(check.stdout().contains("FAIL"), check.describe());
        uids.forEach((name, uid) -> assertPublished(name, uid));
    }

    @Test
    @Order(30)
    @org.junit.jupiter.api.DisplayName("helm upgrade to another image tag: the DaemonSet controller rolls the pod; "
            + "bindmount, symlink-dev: no fetch fails; fuse-proxy with HostToContainer recovers (gap measured)")
    void helmUpgrade() {
        rollout(
                "upgrade",
                upgradeImage,
                () -> helm.run(List.of(
                        "upgrade",
                        RELEASE,
                        chart().toString(),
                        "-n",
                        NAMESPACE,
                        "-f",
                        values.toString(),
                        "--set",
                        "image.tag=" + UPGRADE_TAG,
                        "--wait",
                        "--timeout",
                        "3m")));
    }

    @Test
    @Order(40)
    @org.junit.jupiter.api.DisplayName("helm rollback: rolled back the same way, gap measured")
    void helmRollback() {
        rollout(
                "rollback",
                tier.images().driver(),
                () -> helm.run(List.of("rollback", RELEASE, "1", "-n", NAMESPACE, "--wait", "--timeout", "3m")));
    }

    @Test
    @Order(50)
    @org.junit.jupiter.api.DisplayName("helm uninstall with pods running: bindmount, symlink-dev pods keep working "
            + "(fuse-proxy's volumes end with the driver: reported); pods deleted afterwards leave nothing once a "
            + "driver is back")
    void helmUninstallWithPodsRunning() {
        JsonNode before = awaitDriver(tier.images().driver());
        long start = System.currentTimeMillis();
        tier.phase("helm " + backend.backend + ": uninstall", () -> {
            helm.run(List.of("uninstall", RELEASE, "-n", NAMESPACE, "--wait", "--timeout", "3m"));
            installed = false;
            Poll.until(
                    "the driver's pod " + Pods.name(before) + " gone",
                    READY,
                    () -> tier.kubectl()
                                    .getOrMissing("pod", NAMESPACE, Pods.name(before))
                                    .isMissingNode()
                            ? Poll.met(true)
                            : Poll.notYet("still there"),
                    this::diagnostics);
        });
        sleep(AFTER);
        long end = System.currentTimeMillis();
        Gap gap = gapOf(POLLER, start, end);
        tier.record(
                "helm " + backend.backend + ": " + POLLER + " from helm uninstall until " + AFTER.toSeconds()
                        + " s after the driver's pod was gone",
                gap.toString());
        if (!backend.servesItsOwnSocket()) {
            assertEquals(0, gap.failed(), "a fetch failed once the release was uninstalled: " + gap);
        }
        uids.forEach((name, uid) -> assertPublished(name, uid));
        // the kubelet unpublishes a deleted pod's volume through the driver only: with none registered the pods
        // stay Terminating, their volumes in place, until a driver is back
        uids.keySet()
                .forEach(name -> tier.kubectl()
                        .run(List.of("delete", "pod", name, "-n", WorkloadPod.NAMESPACE, "--wait=false"))
                        .orThrow());
        sleep(AFTER);
        List<String> waiting = uids.keySet().stream()
                .filter(name -> !workloads.get(name).isMissingNode())
                .toList();
        tier.record(
                "helm " + backend.backend + ": pods deleted " + AFTER.toSeconds() + " s after helm uninstall, "
                        + AFTER.toSeconds() + " s later",
                waiting.isEmpty() ? "all gone" : "still Terminating (no driver registered): " + waiting);
        tier.phase("helm " + backend.backend + ": reinstall for the Terminating pods", this::install);
        PodRemains remains = new PodRemains(tier.node(), stateRecords());
        uids.forEach((name, uid) -> Poll.until(
                "nothing left of pod " + name + " (" + uid + ") on the node",
                READY,
                () -> {
                    List<String> left = remains.below(Path.of(podsDirectory(), uid), uid);
                    return left.isEmpty() && workloads.get(name).isMissingNode()
                            ? Poll.met(true)
                            : Poll.notYet(String.join("; ", left));
                },
                this::diagnostics));
        uids.keySet().forEach(name -> workloads.delete(name));
        tier.phase("helm " + backend.backend + ": uninstall, no pods left", () -> {
            helm.run(List.of("uninstall", RELEASE, "-n", NAMESPACE, "--wait", "--timeout", "3m"));
            installed = false;
        });
    }

    // ---------------------------------------------------------------- helpers

    private void install() {
        helm.run(List.of(
                "install",
                RELEASE,
                chart().toString(),
                "-n",
                NAMESPACE,
                "-f",
                values.toString(),
                "--wait",
                "--timeout",
                "3m"));
        installed = true;
        awaitDriver(tier.images().driver());
    }

    /**
     * Runs a helm command that rolls the DaemonSet to {@code image}, with the pollers running throughout, and
     * checks and records what they saw from just before the command until {@link #AFTER} after the new pod was
     * Ready (fuse-proxy: after the poller recovered).
     */
    private void rollout(String what, String image, Runnable command) {
        JsonNode before = awaitDriver(currentImage());
        long start = System.currentTimeMillis();
        tier.phase("helm " + backend.backend + ": " + what, () -> {
            command.run();
            awaitDriver(image);
        });
        JsonNode after = awaitDriver(image);
        assertNotEquals(Pods.uid(before), Pods.uid(after), "the DaemonSet's pod was not replaced");
        long ready = System.currentTimeMillis();
        Poll.until(
                POLLER + " to fetch its SVID again after the " + what,
                RECOVER,
                () -> pollLines(POLLER).stream().anyMatch(l -> l.t() > ready && l.ok() > 0)
                        ? Poll.met(true)
                        : Poll.notYet(String.join("\n", last(POLLER))),
                () -> workloads.diagnose(POLLER) + diagnostics());
        sleep(AFTER);
        long end = System.currentTimeMillis();
        Gap gap = gapOf(POLLER, start, end);
        tier.record(
                "helm " + backend.backend + ": " + what + " gap of " + POLLER
                        + (backend.servesItsOwnSocket() ? " (HostToContainer)" : ""),
                gap + String.format("; rollout %.1f s", (ready - start) / 1000.0));
        if (!backend.servesItsOwnSocket()) {
            assertEquals(0, gap.failed(), "a fetch failed while the DaemonSet rolled: " + gap);
        }
        if (backend.servesItsOwnSocket()) {
            Gap without = gapOf(POLLER_WITHOUT_PROPAGATION, start, end);
            tier.record(
                    "helm " + backend.backend + ": " + what + ", " + POLLER_WITHOUT_PROPAGATION, without.toString());
        }
    }

    /**
     * What a poller printed between {@code start} and {@code end} (epoch ms): its longest time between two
     * successful fetches, and how many fetches failed. The lines must cover the window (one a second), so that a
     * poller that stopped printing cannot pass.
     */
    private Gap gapOf(String pod, long start, long end) {
        List<PollLine> lines = pollLines(pod).stream()
                .filter(l -> l.t() >= start && l.t() <= end + 1000)
                .toList();
        long seconds = (end - start) / 1000;
        assertTrue(
                lines.size() >= seconds / 2,
                pod + " printed " + lines.size() + " lines in " + seconds + " s:\n" + String.join("\n", last(pod)));
        long longest = lines.stream().mapToLong(PollLine::longest).max().orElse(0);
        int failed = lines.stream().mapToInt(PollLine::failed).sum();
        int ok = lines.stream().mapToInt(PollLine::ok).sum();
        List<String> failures = rawLog(pod).stream()
                .filter(l -> l.startsWith("fail t="))
                .filter(l -> {
                    long t = Long.parseLong(l.substring("fail t=".length(), l.indexOf(' ', 7)));
                    return t >= start && t <= end;
                })
                .toList();
        return new Gap(longest, ok, failed, failures);
    }

    private record Gap(long longestMillis, int ok, int failed, List<String> failures) {
        @Override
        public String toString() {
            return "longest gap between successful fetches " + longestMillis + " ms; " + ok + " fetches succeeded, "
                    + failed + " failed" + (failures.isEmpty() ? "" : ": " + String.join(" | ", failures));
        }
    }

    private record PollLine(long t, int ok, int failed, long longest) {}

    private List<PollLine> pollLines(String pod) {
        List<PollLine> lines = new ArrayList<>();
        for (String line : rawLog(pod)) {
            if (!line.startsWith("poll ")) {
                continue;
            }
            Map<String, Long> fields = new LinkedHashMap<>();
            for (String field : line.substring("poll ".length()).split(" ")) {
                int eq = field.indexOf('=');
                fields.put(field.substring(0, eq), Long.parseLong(field.substring(eq + 1)));
            }
            lines.add(new PollLine(
                    fields.get("t"),
                    fields.get("ok").intValue(),
                    fields.get("failed").intValue(),
                    fields.get("longest")));
        }
        return lines;
    }

    private List<String> rawLog(String pod) {
        return tier.kubectl()
                .run(List.of("logs", pod, "-n", WorkloadPod.NAMESPACE, "-c", WorkloadPod.CONTAINER))
                .orThrow()
                .stdout()
                .lines()
                .toList();
    }

    private List<String> last(String pod) {
        List<String> all = rawLog(pod);
        return all.subList(Math.max(0, all.size() - 10), all.size());
    }

    private void assertPublished(String pod, String uid) {
        String target = podsDirectory() + "/" + uid + "/volumes/kubernetes.io~csi/" + WorkloadPod.VOLUME + "/mount";
        if (backend.publishesMounts()) {
            assertFalse(
                    MountTable.read(tier.node().kubeletMountinfo()).at(target).isEmpty(),
                    "no mount at the target of " + pod + ": " + target);
        } else {
            assertTrue(Files.isSymbolicLink(Path.of(target)), "no symbolic link at the target of " + pod);
        }
        assertFalse(stateRecords().ofPod(uid).isEmpty(), "no state record of the volume of " + pod);
        tier.notePublished(target);
    }

    static String podsDirectory() {
        return "/var/lib/kubelet/pods";
    }

    /** The chart's default state directory for csi.spiffe.io. */
    private static StateRecords stateRecords() {
        return new StateRecords(Path.of("/var/run/spiffe-csi/state"));
    }

    private static Path chart() {
        return Tier.projectRoot().resolve("deploy/helm/spiffe-csi-driver");
    }

    private String currentImage() {
        JsonNode daemonSet = tier.kubectl().getOrMissing("daemonset", NAMESPACE, RELEASE);
        for (JsonNode container :
                daemonSet.path("spec").path("template").path("spec").path("containers")) {
            if (container.path("name").asText().equals(RELEASE)) {
                return container.path("image").asText();
            }
        }
        return "";
    }

    /** Waits until the DaemonSet's pod runs {@code image}, every container Ready, and CSINode lists the driver. */
    private JsonNode awaitDriver(String image) {
        return awaitDriver(RELEASE, image);
    }

    /** As {@link #awaitDriver(String)}, for the DaemonSet {@code name} (whose driver container is spiffe-csi-driver). */
    JsonNode awaitDriver(String name, String image) {
        JsonNode pod = Poll.until(
                "DaemonSet " + name + "'s pod running " + image + ", Ready",
                READY,
                () -> {
                    JsonNode daemonSet = tier.kubectl().getOrMissing("daemonset", NAMESPACE, name);
                    if (daemonSet.isMissingNode()) {
                        return Poll.notYet("no DaemonSet");
                    }
                    JsonNode current = DaemonSetPods.current(tier.kubectl(), daemonSet);
                    if (current.isMissingNode()) {
                        return Poll.notYet("no pod");
                    }
                    String running = "";
                    for (JsonNode container : current.path("spec").path("containers")) {
                        if (container.path("name").asText().equals(RELEASE)) {
                            running = container.path("image").asText();
                        }
                    }
                    if (!running.equals(image)) {
                        return Poll.notYet("its pod runs " + running);
                    }
                    return Pods.whyNotRunningAndReady(current)
                            .<Poll.Outcome<JsonNode>>map(Poll::notYet)
                            .orElse(Poll.met(current));
                },
                this::diagnostics);
        Poll.until(
                "CSINode to list csi.spiffe.io",
                Duration.ofSeconds(60),
                () -> tier.kubectl()
                                .getOrMissing("csinode", "", RealNode.NODE_NAME)
                                .path("spec")
                                .path("drivers")
                                .findValuesAsText("name")
                                .contains("csi.spiffe.io")
                        ? Poll.met(true)
                        : Poll.notYet("not registered"),
                this::diagnostics);
        return pod;
    }

    private List<String> driverLog(JsonNode pod) {
        return tier.kubectl()
                .run(List.of("logs", Pods.name(pod), "-n", NAMESPACE, "-c", RELEASE))
                .orThrow()
                .stdout()
                .lines()
                .toList();
    }

    String diagnostics() {
        JsonNode daemonSet = tier.kubectl().getOrMissing("daemonset", NAMESPACE, RELEASE);
        if (daemonSet.isMissingNode()) {
            return "(no DaemonSet " + NAMESPACE + "/" + RELEASE + ")";
        }
        JsonNode pod = DaemonSetPods.current(tier.kubectl(), daemonSet);
        return DaemonSetPods.status(tier.kubectl(), daemonSet) + "\n"
                + (pod.isMissingNode() ? "(no driver pod)" : tier.diagnostics().of(NAMESPACE, Pods.name(pod)));
    }

    /**
     * The tier's dev agent in a DaemonSet of its own in the release's namespace (the chart installs the driver
     * only): the Workload API socket where the chart's agentSocketPath expects it, and for fuse-proxy the admin
     * socket where fuseProxy.adminSocketPath does, authorizing the driver (uid 0) as a delegate.
     */
    private ObjectNode devAgent() {
        ObjectNode daemonSet = GoDriverExample.devAgent(tier.images().devAgent());
        ((ObjectNode) daemonSet.path("metadata")).put("namespace", NAMESPACE);
        if (backend.servesItsOwnSocket()) {
            ObjectNode podSpec =
                    (ObjectNode) daemonSet.path("spec").path("template").path("spec");
            // the Delegated Identity API attests the workload by the pid the driver names: the agent must see the
            // node's processes (the overlay's agent shares the driver's pod, which has hostPID)
            podSpec.put("hostPID", true);
            ObjectNode container = (ObjectNode) podSpec.path("containers").get(0);
            container
                    .putArray("args")
                    .add("-socket")
                    .add("/run/spire/sockets/spire-agent.sock")
                    .add("-admin-socket")
                    .add("/run/spire/admin-sockets/admin.sock")
                    .add("-authorized-delegates")
                    .add("spiffe://example.org/spiffe-csi-driver")
                    .add("-entries")
                    .add("unix:uid:0=spiffe://example.org/spiffe-csi-driver");
            ((ArrayNode) container.path("volumeMounts"))
                    .addObject()
                    .put("name", "spire-agent-admin-socket-dir")
                    .put("mountPath", "/run/spire/admin-sockets");
            ObjectNode volume =
                    ((ArrayNode) podSpec.path("volumes")).addObject().put("name", "spire-agent-admin-socket-dir");
            volume.putObject("hostPath").put("path", "/run/spire/admin-sockets").put("type", "DirectoryOrCreate");
        }
        return daemonSet;
    }

    /** The chart's values for the rig: its local images (no registry: pullPolicy Never) and the backend. */
    private Path writeValues() {
        ObjectNode root = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        root.put("backend", backend.backend);
        image(root.putObject("image"), tier.images().driver());
        image(
                root.putObject("nodeDriverRegistrar").putObject("image"),
                tier.images().registrar());
        image(
                root.putObject("livenessProbeSidecar").putObject("image"),
                tier.images().livenessProbe());
        image(root.putObject("test").putObject("image"), "docker.io/local/busybox:1");
        try {
            Path file = Files.createTempFile("helm-values-" + backend.backend, ".json");
            Files.writeString(file, root.toPrettyString());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void image(ObjectNode node, String reference) {
        int slash = reference.indexOf('/');
        int colon = reference.lastIndexOf(':');
        node.put("registry", reference.substring(0, slash))
                .put("repository", reference.substring(slash + 1, colon))
                .put("tag", reference.substring(colon + 1))
                .put("pullPolicy", "Never");
    }

    private static void sleep(Duration duration) {
        Progress.log("watching the pollers for " + duration.toSeconds() + " s");
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
