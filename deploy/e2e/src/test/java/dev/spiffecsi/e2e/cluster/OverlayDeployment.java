package dev.spiffecsi.e2e.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spiffecsi.e2e.rig.HealthEndpoint;
import dev.spiffecsi.e2e.rig.RealNode;
import dev.spiffecsi.e2e.rig.StateRecords;
import dev.spiffecsi.e2e.support.Exec;
import dev.spiffecsi.e2e.support.Poll;
import dev.spiffecsi.e2e.support.Progress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One test overlay deployed on the rig by an {@link Installer}: its objects applied as rendered, the DaemonSet's pod
 * made by the real DaemonSet controller and placed by the scheduler, then the overlay's bare pods. Closing it takes
 * everything away again, pods first so that the driver unpublishes their volumes.
 */
public final class OverlayDeployment implements AutoCloseable {

    /** Container names of the node DaemonSet's pod (deploy/kubernetes/base/spire/spire-agent.yaml). */
    public static final String DRIVER = "spiffe-csi-driver";

    public static final String AGENT = "spire-agent";
    private static final Duration READY = Duration.ofMinutes(3);
    private static final Duration DELETE = Duration.ofMinutes(2);

    private final Kubectl kubectl;
    private final RealNode node;
    private final RenderedOverlay overlay;
    private final PodDiagnostics diagnostics;
    private final Installer installer;
    private final List<String> overlayPods = new ArrayList<>();

    private OverlayDeployment(
            Kubectl kubectl, RealNode node, RenderedOverlay overlay, PodDiagnostics diagnostics, Installer installer) {
        this.kubectl = kubectl;
        this.node = node;
        this.overlay = overlay;
        this.diagnostics = diagnostics;
        this.installer = installer;
    }

    /**
     * Installs {@code overlay} with {@code installer}, waits for the driver's pod Running and Ready, then creates
     * the overlay's pods.
     */
    public static OverlayDeployment deploy(
            Kubectl kubectl, RealNode node, RenderedOverlay overlay, PodDiagnostics diagnostics, Installer installer) {
        String namespace =
                overlay.daemonSet().path("metadata").path("namespace").asText();
        node.prepareNamespace(namespace);
        OverlayDeployment deployment = new OverlayDeployment(kubectl, node, overlay, diagnostics, installer);
        try {
            installer.install(kubectl, overlay);
            deployment.awaitDriverReady();
            for (ObjectNode pod : overlay.pods()) {
                deployment.overlayPods.add(Pods.name(kubectl.create(pod)));
            }
            return deployment;
        } catch (RuntimeException | AssertionError e) {
            deployment.close();
            throw e;
        }
    }

    public RenderedOverlay overlay() {
        return overlay;
    }

    /** The DaemonSet's pod that is not being deleted; a missing node while there is none. */
    public JsonNode driverPod() {
        return DaemonSetPods.current(kubectl, overlay.daemonSet());
    }

    public String namespace() {
        return overlay.daemonSet().path("metadata").path("namespace").asText();
    }

    /** Waits until the DaemonSet's pod is Running with all four containers ready. */
    public JsonNode awaitDriverReady() {
        return Poll.until(
                "the driver's pod (DaemonSet "
                        + overlay.daemonSet().path("metadata").path("name").asText() + ") Running and Ready",
                READY,
                () -> {
                    JsonNode pod = driverPod();
                    return Pods.whyNotRunningAndReady(pod)
                            .<Poll.Outcome<JsonNode>>map(Poll::notYet)
                            .orElse(Poll.met(pod));
                },
                this::driverDiagnostics);
    }

    /** The DaemonSet's status, the driver pod's description, events and logs: for failure messages. */
    public String driverDiagnostics() {
        JsonNode pod = driverPod();
        return DaemonSetPods.status(kubectl, overlay.daemonSet()) + "\n"
                + (pod.isMissingNode() ? "(no driver pod)" : diagnostics.of(namespace(), Pods.name(pod)));
    }

    /** The livenessprobe sidecar's /healthz, on the port the driver container's liveness probe uses. */
    public HealthEndpoint health() {
        return new HealthEndpoint(overlay.containerPort(DRIVER, "healthz"));
    }

    /** The agent socket directory on the node (the hostPath the agent and the driver share). */
    public Path agentSocketDirectory() {
        return Path.of(overlay.hostPath("spire-agent-socket-dir"));
    }

    /** The driver's state records on the node (the hostPath of its state directory). */
    public StateRecords stateRecords() {
        return new StateRecords(Path.of(overlay.hostPath("spiffe-csi-state")));
    }

    /** The kubelet's pods directory on the node (the DaemonSet's {@code mountpoint-dir} hostPath). */
    public String podsDirectory() {
        return overlay.hostPath("mountpoint-dir");
    }

    /** Where the kubelet asks the driver to publish the volume {@code volume} of a pod. */
    public String target(String podUid, String volume) {
        return podsDirectory() + "/" + podUid + "/volumes/kubernetes.io~csi/" + volume + "/mount";
    }

    /** The current driver container's log, line by line. */
    public List<String> driverLog() {
        return kubectl.run(List.of("logs", Pods.name(driverPod()), "-n", namespace(), "-c", DRIVER))
                .orThrow()
                .stdout()
                .lines()
                .toList();
    }

    /** The driver's log lines of one CSI method for one target (one per call: method, ids, code, duration). */
    public List<String> driverLogLines(String method, String target) {
        return driverLog().stream()
                .filter(line -> line.contains("method=" + method) && line.contains(target))
                .toList();
    }

    /**
     * The driver container's mount table, read on the node through its process (the image has no cat: a
     * distroless-style base with only what the launcher needs).
     */
    public String driverMountinfo() {
        return node.procFile(Pods.containerId(driverPod(), DRIVER), "mountinfo");
    }

    /** Runs {@code command} in the driver's container. */
    public Exec.Result inDriver(List<String> command) {
        return kubectl.exec(namespace(), Pods.name(driverPod()), DRIVER, command);
    }

    /**
     * Kills one container of the DaemonSet's pod, as a crash would, and waits until the kubelet has restarted it
     * and it is ready again.
     */
    public void restartContainer(String container) {
        JsonNode pod = driverPod();
        int restarts = Pods.restartCount(pod, container);
        node.killContainer(Pods.containerId(pod, container), "SIGTERM");
        Poll.until(
                container + " restarted and ready",
                READY,
                () -> {
                    JsonNode now = driverPod();
                    if (Pods.restartCount(now, container) <= restarts) {
                        return Poll.notYet("restart count still " + restarts);
                    }
                    return Pods.whyNotRunningAndReady(now)
                            .<Poll.Outcome<Boolean>>map(Poll::notYet)
                            .orElse(Poll.met(true));
                },
                this::driverDiagnostics);
    }

    /** The names of the overlay's own pods (the dev overlay's example workload), in namespace default. */
    public List<String> overlayPods() {
        return List.copyOf(overlayPods);
    }

    /** Deletes the overlay's pods, then uninstalls (the driver's pod, then the rest with the namespace). */
    @Override
    public void close() {
        Progress.log("removing " + overlay.directory().getFileName() + "'s objects (" + installer + ")");
        for (String pod : overlayPods) {
            kubectl.deletePod("default", pod, DELETE);
        }
        installer.uninstall(kubectl, overlay, DELETE);
    }
}
