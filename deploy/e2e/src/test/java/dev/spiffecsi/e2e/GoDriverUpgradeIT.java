package dev.spiffecsi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spiffecsi.e2e.cluster.DaemonSetPods;
import dev.spiffecsi.e2e.cluster.GoDriverExample;
import dev.spiffecsi.e2e.cluster.Pods;
import dev.spiffecsi.e2e.cluster.WorkloadPod;
import dev.spiffecsi.e2e.cluster.Workloads;
import dev.spiffecsi.e2e.rig.KubeletLog;
import dev.spiffecsi.e2e.rig.MountTable;
import dev.spiffecsi.e2e.rig.MountTable.Mount;
import dev.spiffecsi.e2e.rig.StateRecords;
import dev.spiffecsi.e2e.support.Exec;
import dev.spiffecsi.e2e.support.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 19's upgrade in place from the Go driver. Real: the Go example's DaemonSet and CSIDriver objects (see
 * {@link GoDriverExample}), the DaemonSet controller rolling the pod when its image changes, the kubelet, our
 * driver's image and its handling of mounts it did not make. Imitated: the Go driver itself, by
 * {@code go-driver-stand-in} (deploy/e2e's main code), which makes the mount v0.2.12 makes, from the same container
 * (privileged, the agent directory read-only at /spire-agent-socket, Bidirectional pods directory) with the same
 * mount(2) call; and SPIRE's agent, by the dev agent, as everywhere in the tier.
 */
@ExtendWith({TierExtension.class, CheckReport.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(4)
@DisplayName("upgrade in place from the Go driver (v0.2.12 example manifests, its publish imitated)")
class GoDriverUpgradeIT implements TierCheck {

    private static final String GO_ERA = "workload-go-era";
    private static final String UPGRADED = "workload-after-upgrade";
    private static final String DRIVER = "csi.spiffe.io";
    private static final Duration READY = Duration.ofMinutes(3);
    private static final Duration DELETE = Duration.ofMinutes(2);
    /** Where the overlays keep our state records on the node: none may name a Go-era volume. */
    private static final StateRecords OUR_STATE = new StateRecords(Path.of("/var/run/spiffe-csi/state"));

    private Tier tier;
    private Workloads workloads;
    private final List<ObjectNode> installed = new ArrayList<>();

    @Override
    public Tier tier() {
        return tier;
    }

    @BeforeAll
    void deploy(Tier tier) {
        this.tier = tier;
        tier.phase("go driver: deploy", () -> {
            tier.node().prepareNamespace(GoDriverExample.NAMESPACE);
            installed.add(GoDriverExample.devAgent(tier.images().devAgent()));
            installed.addAll(GoDriverExample.objects(
                    tier.images().exampleWorkload(), tier.images().registrar()));
            tier.kubectl().apply(installed);
            awaitDriver(tier.images().exampleWorkload());
            workloads = new Workloads(
                    tier.kubectl(), tier.diagnostics(), tier.images().exampleWorkload(), DRIVER);
            workloads.create(WorkloadPod.readOnly(GO_ERA));
        });
    }

    @AfterAll
    void takeAway() {
        if (tier == null) {
            return;
        }
        tier.phase("go driver: take away", () -> {
            try {
                if (workloads != null) {
                    workloads.close();
                }
            } finally {
                List<ObjectNode> daemonSets = installed.stream()
                        .filter(o -> o.path("kind").asText().equals("DaemonSet"))
                        .toList();
                tier.kubectl().deleteInForeground(daemonSets, DELETE);
                tier.kubectl().deleteInForeground(installed, DELETE);
            }
        });
    }

    @Test
    @Order(10)
    @DisplayName("the Go driver's volume: a workload gets its SVIDs through a bind mount of the agent directory, "
            + "no state record of ours")
    void aGoEraVolume() {
        JsonNode pod = workloads.awaitRunning(GO_ERA, this::driverDiagnostics);
        assertSvidChecksPass(GO_ERA);
        String uid = Pods.uid(pod);
        Mount mount = theMountAt(target(uid));
        assertEquals(
                GoDriverExample.AGENT_SOCKET_DIR,
                mount.root(),
                "the Go-era volume is no bind mount of the " + "agent socket directory: " + mount.line());
        assertTrue(
                OUR_STATE.ofPod(uid).isEmpty(),
                "a state record of ours names the Go-era volume: " + OUR_STATE.ofPod(uid));
        List<String> published = driverLog().stream()
                .filter(line -> line.startsWith("Volume published") && line.contains(target(uid)))
                .toList();
        assertEquals(1, published.size(), "the stand-in's log of the publish:\n" + String.join("\n", driverLog()));
        tier.notePublished(target(uid));
        tier.record(
                "go driver: the node's mount of a volume published as v0.2.12 publishes it (stand-in)",
                mount.line() + "\n" + published.getFirst());
    }

    @Test
    @Order(20)
    @DisplayName("DaemonSet image switched to ours (rolled by the DaemonSet controller): the Go-era pod keeps working")
    void imageSwitchedToOurs() {
        JsonNode pod = workloads.awaitRunning(GO_ERA, this::driverDiagnostics);
        int restarts = Pods.restartCount(pod, WorkloadPod.CONTAINER);
        String before = theMountAt(target(Pods.uid(pod))).line();
        tier.phase("go driver: image switched to ours", () -> {
            tier.kubectl()
                    .run(List.of(
                            "patch",
                            "daemonset",
                            GoDriverExample.DAEMON_SET,
                            "-n",
                            GoDriverExample.NAMESPACE,
                            "--type=json",
                            "-p",
                            GoDriverExample.switchToOurs(tier.images().driver())))
                    .orThrow();
            awaitDriver(tier.images().driver());
        });
        assertSvidChecksPass(GO_ERA);
        JsonNode now = workloads.get(GO_ERA);
        assertEquals(restarts, Pods.restartCount(now, WorkloadPod.CONTAINER), "the Go-era workload restarted");
        assertEquals(
                before,
                theMountAt(target(Pods.uid(now))).line(),
                "the Go-era volume's mount changed when our " + "driver started");
    }

    @Test
    @Order(30)
    @DisplayName("a new pod gets our read-only mount")
    void aNewPodGetsOurMount() {
        workloads.create(WorkloadPod.readOnly(UPGRADED));
        JsonNode pod = workloads.awaitRunning(UPGRADED, this::driverDiagnostics);
        assertSvidChecksPass(UPGRADED);
        Mount mount = theMountAt(target(Pods.uid(pod)));
        assertEquals(
                GoDriverExample.AGENT_SOCKET_DIR,
                mount.root(),
                "not a bind mount of the agent directory: " + mount.line());
        assertTrue(
                mount.optionList().containsAll(List.of("ro", "nosuid", "nodev", "noexec")),
                "our driver's mount " + "is not read-only, nosuid, nodev, noexec: " + mount.line());
        tier.notePublished(target(Pods.uid(pod)));
        tier.record("go driver: the node's mount of a volume our driver published in the Go DaemonSet", mount.line());
    }

    @Test
    @Order(40)
    @DisplayName(
            "the Go-era pod and the new one deleted: each unpublished without error, no mount, no directory " + "left")
    void podsUnpublishCleanly() {
        for (String name : List.of(GO_ERA, UPGRADED)) {
            String uid = Pods.uid(workloads.awaitRunning(name, this::driverDiagnostics));
            String target = target(uid);
            theMountAt(target);
            KubeletLog kubelet = new KubeletLog(tier.node().kubeletLog());
            long mark = kubelet.mark();
            workloads.delete(name);
            Path podDirectory =
                    Path.of(target).getParent().getParent().getParent().getParent();
            Poll.until(
                    "nothing left of " + name + " (" + uid + ") on the node",
                    Duration.ofSeconds(60),
                    () -> {
                        List<Mount> left = nodeMounts().atOrBelow(podDirectory.toString());
                        return left.isEmpty() && !Files.exists(podDirectory)
                                ? Poll.met(true)
                                : Poll.notYet("mounts " + left + ", directory exists: " + Files.exists(podDirectory));
                    },
                    this::driverDiagnostics);
            List<String> answers = driverLog().stream()
                    .filter(line -> line.contains("method=NodeUnpublishVolume") && line.contains(target))
                    .toList();
            assertFalse(
                    answers.isEmpty(),
                    "our driver logged no NodeUnpublishVolume of " + target + ":\n" + String.join("\n", driverLog()));
            assertTrue(
                    answers.stream().allMatch(line -> line.contains("code=OK")),
                    "our driver refused to " + "unpublish " + name + ":\n" + String.join("\n", answers));
            List<String> failures = kubelet.since(mark).stream()
                    .filter(line -> line.contains(uid) && (line.contains("failed") || line.contains("Failed")))
                    .toList();
            assertTrue(
                    failures.isEmpty(),
                    "the kubelet logged failures while tearing down " + name + ":\n" + String.join("\n", failures));
            tier.record("go driver: our driver's unpublish of " + name, String.join("\n", answers));
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Waits until the DaemonSet's pod runs {@code image} in the driver container, every container ready. */
    private void awaitDriver(String image) {
        JsonNode daemonSet = installed.stream()
                .filter(o -> o.path("metadata").path("name").asText().equals(GoDriverExample.DAEMON_SET))
                .findFirst()
                .orElseThrow();
        Poll.until(
                "the Go example's DaemonSet pod running " + image + ", Ready",
                READY,
                () -> {
                    JsonNode pod = DaemonSetPods.current(tier.kubectl(), daemonSet);
                    if (pod.isMissingNode()) {
                        return Poll.notYet("no pod");
                    }
                    String running = "";
                    for (JsonNode container : pod.path("spec").path("containers")) {
                        if (container.path("name").asText().equals(GoDriverExample.DRIVER_CONTAINER)) {
                            running = container.path("image").asText();
                        }
                    }
                    if (!running.equals(image)) {
                        return Poll.notYet("its pod runs " + running);
                    }
                    return Pods.whyNotRunningAndReady(pod)
                            .<Poll.Outcome<Boolean>>map(Poll::notYet)
                            .orElse(Poll.met(true));
                },
                this::driverDiagnostics);
        Poll.until(
                "CSINode to list " + DRIVER,
                Duration.ofSeconds(60),
                () -> {
                    JsonNode csiNode =
                            tier.kubectl().getOrMissing("csinode", "", dev.spiffecsi.e2e.rig.RealNode.NODE_NAME);
                    return csiNode.path("spec")
                                    .path("drivers")
                                    .findValuesAsText("name")
                                    .contains(DRIVER)
                            ? Poll.met(true)
                            : Poll.notYet(csiNode.path("spec").toString());
                },
                this::driverDiagnostics);
    }

    private void assertSvidChecksPass(String pod) {
        Exec.Result check = Poll.until(
                pod + " to receive its X.509-SVID through the volume",
                Duration.ofSeconds(90),
                () -> {
                    Exec.Result result = workloads.svidCheck(pod, OverlayEndToEnd.WORKLOAD_ID);
                    return result.ok() ? Poll.met(result) : Poll.notYet(result.describe());
                },
                () -> workloads.diagnose(pod) + driverDiagnostics());
        assertTrue(check.stdout().contains("PASS x509-svid") && !check.stdout().contains("FAIL"), check.describe());
    }

    private Mount theMountAt(String target) {
        List<Mount> mounts = nodeMounts().at(target);
        if (mounts.size() != 1) {
            fail("expected one mount at " + target + ", found: " + mounts);
        }
        return mounts.getFirst();
    }

    private MountTable nodeMounts() {
        return MountTable.read(tier.node().kubeletMountinfo());
    }

    private static String target(String uid) {
        return "/var/lib/kubelet/pods/" + uid + "/volumes/kubernetes.io~csi/" + WorkloadPod.VOLUME + "/mount";
    }

    private JsonNode driverPod() {
        return DaemonSetPods.current(
                tier.kubectl(),
                installed.stream()
                        .filter(o -> o.path("metadata").path("name").asText().equals(GoDriverExample.DAEMON_SET))
                        .findFirst()
                        .orElseThrow());
    }

    private List<String> driverLog() {
        return tier.kubectl()
                .run(List.of(
                        "logs",
                        Pods.name(driverPod()),
                        "-n",
                        GoDriverExample.NAMESPACE,
                        "-c",
                        GoDriverExample.DRIVER_CONTAINER))
                .orThrow()
                .stdout()
                .lines()
                .toList();
    }

    private String driverDiagnostics() {
        JsonNode pod = driverPod();
        JsonNode daemonSet = installed.stream()
                .filter(o -> o.path("metadata").path("name").asText().equals(GoDriverExample.DAEMON_SET))
                .findFirst()
                .orElseThrow();
        return DaemonSetPods.status(tier.kubectl(), daemonSet) + "\n"
                + (pod.isMissingNode()
                        ? "(no driver pod)"
                        : tier.diagnostics().of(GoDriverExample.NAMESPACE, Pods.name(pod)));
    }
}
