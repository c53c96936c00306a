package dev.spiffecsi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spiffecsi.e2e.cluster.Installer;
import dev.spiffecsi.e2e.cluster.OverlayDeployment;
import dev.spiffecsi.e2e.cluster.Pods;
import dev.spiffecsi.e2e.cluster.WorkloadPod;
import dev.spiffecsi.e2e.cluster.Workloads;
import dev.spiffecsi.e2e.rig.HealthEndpoint;
import dev.spiffecsi.e2e.rig.KubeletLog;
import dev.spiffecsi.e2e.rig.MountTable;
import dev.spiffecsi.e2e.rig.MountTable.Mount;
import dev.spiffecsi.e2e.rig.PodRemains;
import dev.spiffecsi.e2e.rig.RealNode;
import dev.spiffecsi.e2e.rig.StatsSummary;
import dev.spiffecsi.e2e.support.Exec;
import dev.spiffecsi.e2e.support.Poll;
import dev.spiffecsi.e2e.support.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
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
 * The checks of issue 11's end-to-end tier for one project overlay, deployed for real on the rig through its test
 * overlay (deploy/e2e/kustomize/overlays): the driver's pod, its registration, the livenessprobe, workload pods
 * getting and verifying their SVIDs through the CSI volume, read-only volumes, a kubelet restart, the driver's pod
 * replaced, the agent socket directory removed and recreated, the kubelet's stats, and pod deletion leaving
 * nothing. The checks run in order on one deployment; the workload pods are created together at the start, so
 * that they start in parallel.
 */
@ExtendWith({TierExtension.class, CheckReport.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class OverlayEndToEnd implements TierCheck {

    /** What the dev agent issues to every workload (uid 1000): register-workload.sh's ID for namespace default. */
    static final String WORKLOAD_ID = "spiffe://example.org/workload";
    /** The README's workload: readOnly, and (fuse-proxy) HostToContainer propagation. */
    static final String WORKLOAD = "workload";
    /** A pod omitting readOnly, as root: the strongest attempt to write into the volume. */
    static final String WITHOUT_READ_ONLY = "workload-without-readonly";
    /** fuse-proxy: a pod without HostToContainer propagation, to show what it sees after a driver restart. */
    static final String WITHOUT_PROPAGATION = "workload-without-propagation";
    /** A pod whose volume carries a megabyte-long attribute under the kubelet's prefix. */
    static final String HOSTILE_ATTRIBUTE = "workload-hostile-attribute";

    private static final Duration SVID = Duration.ofSeconds(90);
    private static final Duration SETTLE = Duration.ofSeconds(60);
    /** livenessprobe's body when the driver answered Probe with ready: false (its source, cmd/livenessprobe). */
    private static final String NOT_READY = "driver responded but is not ready";

    /** The in-pod checks (svid-check's lines), all of which a workload must pass. */
    private static final Set<String> SVID_CHECKS =
            Set.of("x509-svid", "jwt-svid", "validate-jwt-svid", "refuse-forged-jwt-svid");

    private final Backend backend;
    /**
     * What "keeps working" means for the later checks: the SVID checks the README's pod passed in the first one
     * (all of them, unless that check failed on some; it reports those). A later check then fails for what it
     * breaks, not again for what never worked.
     */
    private Set<String> working = SVID_CHECKS;

    private Tier tier;
    private OverlayDeployment deployment;
    private Workloads workloads;

    OverlayEndToEnd(Backend backend) {
        this.backend = backend;
    }

    @Override
    public Tier tier() {
        return tier;
    }

    Backend backend() {
        return backend;
    }

    OverlayDeployment deployment() {
        return deployment;
    }

    Workloads workloads() {
        return workloads;
    }

    @BeforeAll
    void deploy(Tier tier) {
        this.tier = tier;
        tier.phase(backend.label() + ": deploy", () -> {
            deployment = OverlayDeployment.deploy(
                    tier.kubectl(),
                    tier.node(),
                    tier.overlays().render(backend.overlay),
                    tier.diagnostics(),
                    installer());
            workloads = new Workloads(
                    tier.kubectl(),
                    tier.diagnostics(),
                    tier.images().exampleWorkload(),
                    deployment.overlay().csiDriverName());
            for (WorkloadPod pod : workloadPods()) {
                workloads.create(pod);
            }
        });
    }

    /**
     * How this class installs its backend: {@code kubectl apply} of the overlay. A class that installs the same
     * backend another way (a Helm release) overrides this and runs the same checks.
     */
    Installer installer() {
        return Installer.KUBECTL_APPLY;
    }

    /** The pods of this backend's checks, created at once so that they start together. */
    private List<WorkloadPod> workloadPods() {
        WorkloadPod readme = WorkloadPod.readOnly(WORKLOAD);
        List<WorkloadPod> pods = new ArrayList<>(List.of(
                backend.servesItsOwnSocket() ? readme.withPropagation("HostToContainer") : readme,
                WorkloadPod.readOnly(WITHOUT_READ_ONLY).omittingReadOnly().runningAs(0)));
        if (backend.servesItsOwnSocket()) {
            pods.add(WorkloadPod.readOnly(WITHOUT_PROPAGATION));
        }
        return pods;
    }

    @AfterAll
    void takeAway() {
        if (tier == null) {
            return;
        }
        tier.phase(backend.label() + ": take away", () -> {
            try {
                if (workloads != null) {
                    workloads.close();
                }
            } finally {
                if (deployment != null) {
                    deployment.close();
                }
            }
        });
    }

    @Test
    @Order(10)
    @DisplayName("driver pod Running and Ready")
    void driverPodRunningAndReady() {
        JsonNode pod = deployment.awaitDriverReady();
        JsonNode statuses = pod.path("status").path("containerStatuses");
        assertEquals(4, statuses.size(), "the agent, the driver, node-driver-registrar and livenessprobe: " + statuses);
        for (JsonNode status : statuses) {
            assertEquals(
                    0,
                    status.path("restartCount").asInt(),
                    status.path("name").asText() + " restarted:\n" + deployment.driverDiagnostics());
        }
        assertEquals(
                tier.images().driver(),
                image(pod, OverlayDeployment.DRIVER),
                "the driver runs the image " + "built as deploy/Dockerfile describes it");
    }

    @Test
    @Order(20)
    @DisplayName("CSINode lists the driver")
    void csiNodeListsTheDriver() {
        String driver = deployment.overlay().csiDriverName();
        JsonNode entry = Poll.until(
                "CSINode " + RealNode.NODE_NAME + " to list " + driver,
                SETTLE,
                () -> {
                    JsonNode csiNode = tier.kubectl().getOrMissing("csinode", "", RealNode.NODE_NAME);
                    for (JsonNode registered : csiNode.path("spec").path("drivers")) {
                        if (registered.path("name").asText().equals(driver)) {
                            return Poll.met(registered);
                        }
                    }
                    return Poll.notYet(
                            "registered drivers: " + csiNode.path("spec").path("drivers"));
                },
                deployment::driverDiagnostics);
        assertEquals(RealNode.NODE_NAME, entry.path("nodeID").asText(), "the driver's node id: " + entry);
    }

    @Test
    @Order(30)
    @DisplayName("the livenessprobe answers")
    void theLivenessProbeAnswers() {
        HealthEndpoint health = deployment.health();
        HealthEndpoint.Answer answer = Poll.until(
                health.uri() + " to answer 200",
                SETTLE,
                () -> {
                    HealthEndpoint.Answer got = health.get();
                    return got.status() == 200 ? Poll.met(got) : Poll.notYet(got.toString());
                },
                deployment::driverDiagnostics);
        assertEquals("ok", answer.body(), "the livenessprobe's answer when the driver's Probe says ready");
    }

    @Test
    @Order(40)
    @DisplayName("a workload pod gets its X.509- and JWT-SVID through the volume and verifies them")
    void aWorkloadGetsAndVerifiesItsSvids() {
        workloads.awaitRunning(WORKLOAD, deployment::driverDiagnostics);
        Exec.Result result = svidCheck(WORKLOAD);
        working = passed(result);
        if (!working.equals(SVID_CHECKS)) {
            fail(WORKLOAD + " received its X.509-SVID, but not every check passed:\n" + result.stdout()
                    + result.stderr() + "\n" + deployment.driverDiagnostics());
        }
    }

    @Test
    @Order(50)
    @DisplayName("the volume is read-only in the container")
    void theVolumeIsReadOnlyInTheContainer() {
        JsonNode pod = workloads.awaitRunning(WORKLOAD, deployment::driverDiagnostics);
        Mount mount = containerMount(WORKLOAD);
        assertTrue(
                mount.optionList().contains("ro"),
                "the container's mount of the volume is not read-only: " + mount.line());
        assertWritesRefused(WORKLOAD);
        recordMounts(WORKLOAD + " (csi.readOnly: true, volumeMount readOnly: true)", pod);
    }

    @Test
    @Order(60)
    @DisplayName("a pod that omits readOnly: accepted and still read-only (bindmount, fuse-proxy) or refused with an "
            + "event and nothing left behind (symlink-dev)")
    void aPodOmittingReadOnly() {
        if (backend.refusesWritableVolumes()) {
            aPodOmittingReadOnlyIsRefused();
            return;
        }
        JsonNode pod = workloads.awaitRunning(WITHOUT_READ_ONLY, deployment::driverDiagnostics);
        assertWritesRefused(WITHOUT_READ_ONLY);
        recordMounts(WITHOUT_READ_ONLY + " (no readOnly anywhere, uid 0)", pod);
    }

    private void aPodOmittingReadOnlyIsRefused() {
        JsonNode pod = workloads.get(WITHOUT_READ_ONLY);
        String uid = Pods.uid(pod);
        String event = Poll.until(
                "a FailedMount event of " + WITHOUT_READ_ONLY + " naming readOnly",
                SETTLE,
                () -> {
                    String events = tier.diagnostics().events(WorkloadPod.NAMESPACE, uid);
                    return events.lines()
                            .filter(line -> line.contains("FailedMount") && line.contains("readOnly: true"))
                            .findFirst()
                            .<Poll.Outcome<String>>map(Poll::met)
                            .orElse(Poll.notYet(events));
                },
                () -> workloads.diagnose(WITHOUT_READ_ONLY) + deployment.driverDiagnostics());
        tier.record("symlink-dev: the event of a pod omitting readOnly", event);
        JsonNode now = workloads.get(WITHOUT_READ_ONLY);
        assertNotEquals("Running", now.path("status").path("phase").asText(), "the pod runs without its volume");
        assertPodDirectoryExists(WITHOUT_READ_ONLY, uid);
        assertNothingLeftOf(WITHOUT_READ_ONLY, uid, false);
        workloads.delete(WITHOUT_READ_ONLY);
        assertNothingLeftOf(WITHOUT_READ_ONLY, uid, true);
    }

    /**
     * Issue 18: a pod's own key under the kubelet's prefix, a megabyte long, which Kubernetes accepts. It crash-looped
     * the driver (kept in memory and in the state record, read back at every start); now the publish is refused, the
     * kubelet reports it as the pod's FailedMount event, and the driver keeps serving the other pods.
     */
    @Test
    @Order(65)
    @DisplayName("a pod with a 1 MB csi.storage.k8s.io/junk volume attribute: FailedMount InvalidArgument, and the "
            + "driver keeps serving the other pods")
    void aHostileVolumeAttributeIsRefused() {
        int driverRestarts = restartsOfTheDriver();
        WorkloadPod hostile = WorkloadPod.readOnly(HOSTILE_ATTRIBUTE)
                .withVolumeAttribute("csi.storage.k8s.io/junk", "x".repeat(1_000_000));
        String uid = Pods.uid(workloads.create(hostile));
        String event = Poll.until(
                "a FailedMount event of " + HOSTILE_ATTRIBUTE + " saying InvalidArgument",
                SVID,
                () -> {
                    String events = tier.diagnostics().events(WorkloadPod.NAMESPACE, uid);
                    return events.lines()
                            .filter(line -> line.contains("FailedMount")
                                    && line.contains("InvalidArgument")
                                    && line.contains("volume_context"))
                            .findFirst()
                            .<Poll.Outcome<String>>map(Poll::met)
                            .orElse(Poll.notYet(events));
                },
                () -> workloads.diagnose(HOSTILE_ATTRIBUTE) + deployment.driverDiagnostics());
        tier.record(
                backend.label() + ": the event of a pod with a 1 MB csi.storage.k8s.io/junk attribute",
                event.length() > 400 ? event.substring(0, 400) + "..." : event);
        assertNotEquals(
                "Running",
                workloads.get(HOSTILE_ATTRIBUTE).path("status").path("phase").asText(),
                "the pod runs without its volume");
        assertEquals(driverRestarts, restartsOfTheDriver(), "the driver restarted:\n" + deployment.driverDiagnostics());
        assertStillWorking(WORKLOAD);
        assertPodDirectoryExists(HOSTILE_ATTRIBUTE, uid);
        workloads.delete(HOSTILE_ATTRIBUTE);
        assertNothingLeftOf(HOSTILE_ATTRIBUTE, uid, true);
    }

    private int restartsOfTheDriver() {
        JsonNode pod = deployment.awaitDriverReady();
        for (JsonNode status : pod.path("status").path("containerStatuses")) {
            if (status.path("name").asText().equals(OverlayDeployment.DRIVER)) {
                return status.path("restartCount").asInt();
            }
        }
        return fail("no driver container in " + pod.path("status").path("containerStatuses"));
    }

    @Test
    @Order(70)
    @DisplayName("the kubelet's /stats/summary lists the CSI volume")
    void theStatsSummaryListsTheVolume() {
        JsonNode pod = workloads.awaitRunning(WORKLOAD, deployment::driverDiagnostics);
        String uid = Pods.uid(pod);
        String target = target(uid);
        KubeletLog log = new KubeletLog(tier.node().kubeletLog());
        long mark = log.mark();
        // the kubelet asks for volume stats every volumeStatsAggPeriod (10 s on the rig): after two more rounds
        // without the volume in the summary, it has discarded the answers
        JsonNode volume = Poll.until(
                "the kubelet's stats summary to list volume " + WorkloadPod.VOLUME + " of pod " + WORKLOAD,
                SETTLE,
                () -> {
                    Optional<JsonNode> listed = StatsSummary.of(tier.node()).volume(uid, WorkloadPod.VOLUME);
                    if (listed.isPresent()) {
                        return Poll.met(listed.get());
                    }
                    List<String> asked = log.csiCallsSince(mark, "NodeGetVolumeStats", target);
                    if (asked.size() >= 2) {
                        throw new AssertionError("the kubelet asked the driver for the volume's stats " + asked.size()
                                + " times since this check started, and its summary still lists no CSI volume (kubelet "
                                + "1.31 drops a NodeGetVolumeStats answer without usage):\n" + String.join("\n", asked)
                                + "\nthe driver's last answers:\n"
                                + last(deployment.driverLogLines("NodeGetVolumeStats", target), 4)
                                + "\nthe pod's volumes in the summary: "
                                + StatsSummary.of(tier.node()).volumes(uid));
                    }
                    return Poll.notYet("not listed yet; the kubelet asked " + asked.size() + " time(s) since");
                },
                () -> "the pod's volumes in the summary: "
                        + StatsSummary.of(tier.node()).volumes(uid));
        assertTrue(volume.has("usedBytes") && volume.has("inodesUsed"), "the volume's stats carry no usage: " + volume);
        assertFalse(
                volume.path("volumeHealthStats").path("abnormal").asBoolean(true),
                () -> "the kubelet "
                        + "(CSIVolumeHealth) has no healthy condition for the volume: " + volume
                        + "\nthe pod's events (the "
                        + "driver's condition):\n" + tier.diagnostics().events(WorkloadPod.NAMESPACE, uid)
                        + "the driver's last answers:\n"
                        + last(deployment.driverLogLines("NodeGetVolumeStats", target), 2));
    }

    @Test
    @Order(80)
    @DisplayName("kubelet restart: the pod keeps working and no mount is added")
    void kubeletRestart() {
        JsonNode pod = workloads.awaitRunning(WORKLOAD, deployment::driverDiagnostics);
        String target = target(Pods.uid(pod));
        int restarts = Pods.restartCount(pod, WorkloadPod.CONTAINER);
        // what "no mount is added" compares with must hold the pod's published volume
        assertPublished(WORKLOAD, Pods.uid(pod));
        List<Mount> before = nodeMounts().atOrBelow(deployment.podsDirectory());
        int answeredBefore =
                deployment.driverLogLines("NodePublishVolume", target).size();
        KubeletLog log = new KubeletLog(tier.node().kubeletLog());
        long mark = log.mark();
        tier.phase(backend.label() + ": kubelet restart", tier.node()::restartKubelet);
        List<String> republished = Poll.until(
                "the restarted kubelet to publish " + target + " again",
                SETTLE,
                () -> {
                    List<String> calls = log.csiCallsSince(mark, "NodePublishVolume", target);
                    return calls.isEmpty() ? Poll.notYet("no NodePublishVolume since the restart") : Poll.met(calls);
                },
                deployment::driverDiagnostics);
        String answer = Poll.until(
                "the driver's answer to the republish",
                SETTLE,
                () -> {
                    List<String> answers = deployment.driverLogLines("NodePublishVolume", target);
                    return answers.size() > answeredBefore
                            ? Poll.met(answers.getLast())
                            : Poll.notYet(answers.size() + " answer(s) logged, as before the restart");
                },
                deployment::driverDiagnostics);
        assertTrue(answer.contains("code=OK"), "the driver refused the republish: " + answer);
        List<Mount> after = nodeMounts().atOrBelow(deployment.podsDirectory());
        assertEquals(
                describe(before),
                describe(after),
                "the node's mounts below " + deployment.podsDirectory()
                        + " changed across the kubelet restart, whose republish was:\n" + String.join("\n", republished)
                        + "\ndriver: " + String.join("\n", deployment.driverLogLines("NodePublishVolume", target)));
        JsonNode now = workloads.awaitRunning(WORKLOAD, deployment::driverDiagnostics);
        assertEquals(restarts, Pods.restartCount(now, WorkloadPod.CONTAINER), "the workload restarted");
        assertStillWorking(WORKLOAD);
    }

    @Test
    @Order(90)
    @DisplayName("driver pod deleted and recreated by the DaemonSet controller: running pods keep working (their "
            + "own Workload API stream gets a new update, no container restart)")
    void driverPodReplaced() {
        JsonNode pod = workloads.awaitRunning(WORKLOAD, deployment::driverDiagnostics);
        int restarts = Pods.restartCount(pod, WorkloadPod.CONTAINER);
        if (backend.servesItsOwnSocket()) {
            workloads.awaitRunning(WITHOUT_PROPAGATION, deployment::driverDiagnostics);
            assertStillWorking(WITHOUT_PROPAGATION);
        }
        JsonNode old = deployment.awaitDriverReady();
        Instant[] gone = new Instant[1];
        tier.phase(backend.label() + ": driver pod replaced", () -> {
            tier.kubectl().deletePod(deployment.namespace(), Pods.name(old), Duration.ofMinutes(2));
            gone[0] = Instant.now();
            JsonNode replacement = deployment.awaitDriverReady();
            assertNotEquals(Pods.uid(old), Pods.uid(replacement), "the DaemonSet's pod was not replaced");
        });
        assertTheStreamCarriedOn(WORKLOAD, gone[0], restarts);
        assertStillWorking(WORKLOAD);
        if (backend.servesItsOwnSocket()) {
            Exec.Result seen = workloads.exec(WITHOUT_PROPAGATION, List.of("ls", WorkloadPod.MOUNT_PATH));
            tier.record(
                    "fuse-proxy: what a pod without HostToContainer sees after the driver's pod was replaced",
                    "$ ls " + WorkloadPod.MOUNT_PATH + "\n" + seen.stdout() + seen.stderr() + "(exit " + seen.exit()
                            + ")\n" + containerMount(WITHOUT_PROPAGATION).line());
            assertTrue(
                    !seen.ok() && seen.stderr().contains("Transport endpoint is not connected"),
                    "a pod without HostToContainer keeps the dead FUSE mount (ENOTCONN), as the README says: "
                            + seen.describe());
            assertTheDeadMountIsReported();
        }
    }

    /**
     * The pod's main process, svid-watch, holds a Workload API stream from its start and prints every update. The
     * agent runs in the driver's pod, so replacing that pod ends the stream: the process must open it again
     * through the pod's volume and print an update after the old pod was gone, without its container restarting.
     */
    private void assertTheStreamCarriedOn(String pod, Instant gone, int restarts) {
        String update = Poll.until(
                pod + "'s own Workload API stream to print an update after the old driver pod " + "was gone (" + gone
                        + ")",
                SVID,
                () -> {
                    List<String> log = workloads.timestampedLog(pod);
                    for (int i = 0; i < log.size(); i++) {
                        String[] line = log.get(i).split(" ", 2);
                        if (line.length == 2
                                && line[1].startsWith("Update: ")
                                && Instant.parse(line[0]).isAfter(gone)) {
                            return Poll.met(String.join("\n", log.subList(Math.max(0, i - 2), i + 1)));
                        }
                    }
                    return Poll.notYet("its log:\n" + last(log, 6));
                },
                () -> workloads.diagnose(pod) + deployment.driverDiagnostics());
        assertTrue(
                update.contains(WORKLOAD_ID),
                "the update after the replacement names no " + WORKLOAD_ID + ":\n" + update);
        assertEquals(
                restarts,
                Pods.restartCount(workloads.get(pod), WorkloadPod.CONTAINER),
                "the container of "
                        + pod + " restarted (its Workload API client gave up) while the driver's pod was replaced:\n"
                        + workloads.diagnose(pod));
        tier.record(backend.backend + ": " + pod + "'s own stream after the driver's pod was replaced", update);
    }

    /**
     * fuse-proxy after a driver restart: the volume of the pod without HostToContainer is reported abnormal, naming
     * the remedy, in the driver's log and, through NodeGetVolumeStats, to the kubelet (an event on the pod, its
     * stats summary); the README's pod, which sees the new mount, is not.
     */
    private void assertTheDeadMountIsReported() {
        String pod = WorkloadPod.NAMESPACE + "/" + WITHOUT_PROPAGATION;
        String warning = Poll.until(
                "the driver to report that " + pod + " still sees the dead FUSE mount",
                SETTLE,
                () -> deployment.driverLog().stream()
                        .filter(line -> line.contains("of pod " + pod + " still see the FUSE mount"))
                        .findFirst()
                        .<Poll.Outcome<String>>map(Poll::met)
                        .orElse(Poll.notYet("not in its log yet")),
                deployment::driverDiagnostics);
        tier.record("fuse-proxy: the driver's report of a pod that still sees the dead FUSE mount", warning);
        String uid = Pods.uid(workloads.get(WITHOUT_PROPAGATION));
        String event = Poll.until(
                "a VolumeConditionAbnormal event on " + pod,
                SETTLE,
                () -> {
                    String events = tier.diagnostics().events(WorkloadPod.NAMESPACE, uid);
                    return events.lines()
                            .filter(line -> line.contains("VolumeConditionAbnormal"))
                            .findFirst()
                            .<Poll.Outcome<String>>map(Poll::met)
                            .orElse(Poll.notYet(events));
                },
                () -> "the pod's volumes in the summary: "
                        + StatsSummary.of(tier.node()).volumes(uid));
        tier.record("fuse-proxy: the kubelet's event on that pod (CSIVolumeHealth)", event);
        assertTrue(
                StatsSummary.of(tier.node())
                        .volume(uid, WorkloadPod.VOLUME)
                        .map(v -> v.path("volumeHealthStats").path("abnormal").asBoolean())
                        .orElse(false),
                "the kubelet's stats summary does not show the volume abnormal: "
                        + StatsSummary.of(tier.node()).volumes(uid));
        String readme = "of pod " + WorkloadPod.NAMESPACE + "/" + WORKLOAD + " still see";
        assertTrue(
                deployment.driverLog().stream().noneMatch(line -> line.contains(readme)),
                "the driver reports the pod with "
                        + "HostToContainer, which sees the new mount: "
                        + deployment.driverLog().stream()
                                .filter(line -> line.contains(readme))
                                .toList());
    }

    @Test
    @Order(100)
    @DisplayName("agent socket directory removed: Probe and the livenessprobe report it (fuse-proxy: its pods and "
            + "Probe do not depend on it)")
    void agentSocketDirectoryRemoved() throws IOException {
        Path directory = deployment.agentSocketDirectory();
        HealthEndpoint health = deployment.health();
        removeRecursively(directory);
        if (backend.servesItsOwnSocket()) {
            // the proxy serves its own socket and reaches the agent through its admin socket: pods never see the
            // agent's Workload API directory, and the driver does not depend on it
            assertStillWorking(WORKLOAD);
            assertEquals(
                    200,
                    health.get().status(),
                    "fuse-proxy's Probe depends on the agent's admin socket " + "directory only: " + health.get());
            return;
        }
        // the livenessprobe calls the driver's Probe for every request: the first answer after the removal counts.
        // Only its answer for a driver that says "not ready" counts: a 500 for a Probe that failed or timed out, or
        // no answer at all, would be a driver that broke rather than one that reports the directory
        HealthEndpoint.Answer answer = Poll.until(
                health.uri() + " to report the removed " + directory,
                Duration.ofSeconds(5),
                () -> {
                    HealthEndpoint.Answer got = health.get();
                    return got.status() != 200 ? Poll.met(got) : Poll.notYet(got.toString());
                },
                () -> "the driver container's view of the directory (its hostPath mount keeps the removed one, "
                        + "nlink 0): " + driverView() + "\n" + deployment.driverDiagnostics());
        assertEquals(
                new HealthEndpoint.Answer(500, NOT_READY),
                answer,
                "the livenessprobe's answer is not the " + "driver's Probe saying not ready:\n"
                        + deployment.driverDiagnostics());
        tier.record(
                backend.backend + ": the livenessprobe's answer once the agent socket directory was removed",
                answer.toString());
    }

    @Test
    @Order(110)
    @DisplayName("agent socket directory recreated: Probe recovers and pods recover (bindmount, symlink-dev: once "
            + "recreated)")
    void agentSocketDirectoryRecreated() throws IOException {
        Path directory = deployment.agentSocketDirectory();
        Files.createDirectories(directory); // what the hostPath's DirectoryOrCreate would do
        // the agent serves its socket in the directory its container was started with: SPIRE's agent would have to
        // be restarted too. The driver's container sees the new directory once restarted, which the kubelet does
        // when the liveness probe fails failureThreshold times (50 s); the tier does not wait that long.
        deployment.restartContainer(OverlayDeployment.AGENT);
        if (!backend.servesItsOwnSocket()) {
            deployment.restartContainer(OverlayDeployment.DRIVER);
        }
        HealthEndpoint health = deployment.health();
        Poll.until(
                health.uri() + " to answer 200 again",
                SETTLE,
                () -> {
                    HealthEndpoint.Answer answer = health.get();
                    return answer.status() == 200 ? Poll.met(answer) : Poll.notYet(answer.toString());
                },
                deployment::driverDiagnostics);
        if (!backend.servesItsOwnSocket()) {
            Exec.Result seen = workloads.exec(
                    WORKLOAD,
                    List.of(
                            "sh",
                            "-c",
                            "stat -c 'nlink=%h' " + WorkloadPod.MOUNT_PATH + "; ls -la " + WorkloadPod.MOUNT_PATH));
            tier.record(
                    backend.backend + ": what a running pod sees after the agent socket directory was " + "recreated",
                    seen.stdout() + seen.stderr());
            workloads.delete(WORKLOAD);
            workloads.create(WorkloadPod.readOnly(WORKLOAD));
            workloads.awaitRunning(WORKLOAD, deployment::driverDiagnostics);
        }
        assertStillWorking(WORKLOAD);
    }

    @Test
    @Order(120)
    @DisplayName("pod deletion leaves no mount, no directory and no state record")
    void podDeletionLeavesNothing() {
        List<String> names = Stream.of(WORKLOAD, WITHOUT_READ_ONLY, WITHOUT_PROPAGATION)
                .filter(name -> !workloads.get(name).isMissingNode())
                .toList();
        assertFalse(names.isEmpty(), "no workload pod left to delete");
        Map<String, String> uids = new LinkedHashMap<>();
        names.forEach(name -> uids.put(name, Pods.uid(workloads.get(name))));
        // "nothing left" means something only where something was: each volume published (and recorded) first
        uids.forEach(this::assertPublished);
        names.forEach(workloads::delete);
        uids.forEach((name, uid) -> assertNothingLeftOf(name, uid, true));
    }

    // ---------------------------------------------------------------- helpers

    /** Runs the in-pod SVID check until the X.509-SVID arrives (clients retry with backoff). */
    private Exec.Result svidCheck(String pod) {
        return Poll.until(
                pod + " to receive its X.509-SVID through the volume",
                SVID,
                () -> {
                    Exec.Result check = workloads.svidCheck(pod, WORKLOAD_ID);
                    return check.stdout().contains("PASS x509-svid") ? Poll.met(check) : Poll.notYet(check.describe());
                },
                () -> workloads.diagnose(pod) + "\n" + deployment.driverDiagnostics());
    }

    /** The pod still passes every SVID check the README's pod passed at first (see {@link #working}). */
    void assertStillWorking(String pod) {
        Exec.Result result = svidCheck(pod);
        Set<String> broken = new TreeSet<>(working);
        broken.removeAll(passed(result));
        if (!broken.isEmpty()) {
            fail(pod + " no longer passes " + broken + ", which worked at first:\n" + result.stdout() + result.stderr()
                    + "\n" + deployment.driverDiagnostics());
        }
    }

    /** The names of the checks svid-check printed as PASS. */
    private static Set<String> passed(Exec.Result result) {
        Set<String> passed = new TreeSet<>();
        result.stdout()
                .lines()
                .filter(line -> line.startsWith("PASS "))
                .forEach(line -> passed.add(line.substring("PASS ".length(), line.indexOf(':'))));
        return passed;
    }

    /**
     * As the container's user (root for {@link #WITHOUT_READ_ONLY}): the volume lists the Workload API socket (so
     * the writes below reach a live volume, not a dead mount that refuses everything), creating a file and a
     * directory in it fails with EROFS or EPERM, and afterwards it still lists the socket and nothing else new.
     */
    private void assertWritesRefused(String pod) {
        assertListsTheSocket(pod, "before the writes");
        List<String> errors = new ArrayList<>();
        for (List<String> write : List.of(
                List.of("touch", WorkloadPod.MOUNT_PATH + "/e2e-file"),
                List.of("mkdir", WorkloadPod.MOUNT_PATH + "/e2e-dir"))) {
            Exec.Result result = workloads.exec(pod, write);
            assertFalse(result.ok(), "a write into the volume of " + pod + " succeeded: " + result.describe());
            String error = result.stderr()
                    .lines()
                    .filter(line -> line.startsWith(write.getFirst() + ":"))
                    .findFirst()
                    .orElse("");
            assertTrue(
                    error.endsWith("Read-only file system") || error.endsWith("Operation not permitted"),
                    "the write into the volume of " + pod + " failed, but not with EROFS or EPERM: "
                            + result.describe());
            errors.add(error);
        }
        String after = assertListsTheSocket(pod, "after the writes");
        assertFalse(
                after.contains("e2e-file") || after.contains("e2e-dir"),
                "a refused write left something in the " + "volume of " + pod + ":\n" + after);
        tier.record(backend.backend + ": writing into the volume of " + pod, String.join("\n", errors));
    }

    /** {@code ls -a} of the volume in the pod succeeds and lists the Workload API socket; returns the listing. */
    private String assertListsTheSocket(String pod, String when) {
        Exec.Result listing = workloads.exec(pod, List.of("ls", "-a", WorkloadPod.MOUNT_PATH));
        assertTrue(
                listing.ok() && listing.stdout().lines().anyMatch(WorkloadPod.SOCKET::equals),
                "the volume of " + pod + " does not list " + WorkloadPod.SOCKET + " " + when + ": "
                        + listing.describe());
        return listing.stdout();
    }

    /**
     * The pod's volume is published on the node: a mount at its target (bindmount, fuse-proxy) or a symbolic link
     * (symlink-dev), and the driver's state record of it. What a later "nothing left" check then finds gone was
     * there.
     */
    private void assertPublished(String pod, String uid) {
        String target = target(uid);
        if (backend.publishesMounts()) {
            assertFalse(nodeMounts().at(target).isEmpty(), "no mount at the target of " + pod + ": " + target);
        } else {
            assertTrue(
                    Files.isSymbolicLink(Path.of(target)), "no symbolic link at the target of " + pod + ": " + target);
        }
        assertFalse(
                deployment.stateRecords().ofPod(uid).isEmpty(),
                "no state record of the volume of " + pod + " in "
                        + deployment.stateRecords().hostStateDir());
        tier.notePublished(target);
    }

    /** The kubelet made the pod's directory: the place a later "nothing left" check watches exists. */
    private void assertPodDirectoryExists(String pod, String uid) {
        Path directory = Path.of(deployment.podsDirectory(), uid);
        assertTrue(Files.isDirectory(directory), "the kubelet made no directory for pod " + pod + ": " + directory);
    }

    /** The container's, the driver container's and the node's (the kubelet's) mount of the pod's volume. */
    private void recordMounts(String title, JsonNode pod) {
        String target = target(Pods.uid(pod));
        String driverMounts = deployment.driverMountinfo();
        MountTable driver = MountTable.parse(driverMounts);
        MountTable node = nodeMounts();
        tier.record(
                backend.backend + ": mountinfo of " + title,
                "node (the kubelet's mount namespace):\n" + node.describe(node.at(target))
                        + "\ndriver container:\n" + driver.describe(driver.at(target))
                        + "\nworkload container:\n"
                        + containerMount(Pods.name(pod)).line());
    }

    private Mount containerMount(String pod) {
        List<Mount> mounts = MountTable.parse(workloads.mountinfo(pod)).at(WorkloadPod.MOUNT_PATH);
        if (mounts.isEmpty()) {
            fail(pod + " has no mount at " + WorkloadPod.MOUNT_PATH);
        }
        return mounts.getLast();
    }

    /** No mount, no volume directory and no state record of the pod, polled: the kubelet cleans up in passes. */
    private void assertNothingLeftOf(String pod, String uid, boolean podDirectoryGone) {
        // before the pod is deleted, its other volumes (the service account token) are the kubelet's business
        Path watched = podDirectoryGone
                ? Path.of(deployment.podsDirectory(), uid)
                : Path.of(target(uid)).getParent();
        PodRemains remains = new PodRemains(tier.node(), deployment.stateRecords());
        Poll.until(
                "nothing left of pod " + pod + " (" + uid + ") on the node",
                SETTLE,
                () -> {
                    List<String> left = remains.below(watched, uid);
                    return left.isEmpty() ? Poll.met(true) : Poll.notYet(String.join("; ", left));
                },
                () -> workloads.diagnose(pod) + deployment.driverDiagnostics());
    }

    /** The driver container's stat of the agent socket directory it publishes. */
    private String driverView() {
        return deployment
                .inDriver(List.of("stat", "-c", "%n nlink=%h inode=%i", "/spire-agent-socket"))
                .describe();
    }

    private static String last(List<String> lines, int count) {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }

    private MountTable nodeMounts() {
        return MountTable.read(tier.node().kubeletMountinfo());
    }

    /** Where the kubelet asks the driver to publish the workload volume of a pod. */
    private String target(String uid) {
        return deployment.target(uid, WorkloadPod.VOLUME);
    }

    private static String image(JsonNode pod, String container) {
        for (JsonNode spec : pod.path("spec").path("containers")) {
            if (spec.path("name").asText().equals(container)) {
                return spec.path("image").asText();
            }
        }
        return "";
    }

    private static String describe(List<Mount> mounts) {
        return String.join(
                "\n",
                mounts.stream()
                        .map(m -> m.mountPoint() + " " + m.options() + " " + m.fsType())
                        .toList());
    }

    private static void removeRecursively(Path directory) {
        Progress.log("removing " + directory + " on the node");
        Exec.run(List.of("rm", "-rf", "--one-file-system", directory.toString()), Duration.ofSeconds(30))
                .orThrow();
    }
}
