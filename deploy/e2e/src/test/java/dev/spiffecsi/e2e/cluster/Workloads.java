package dev.spiffecsi.e2e.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spiffecsi.e2e.support.Exec;
import dev.spiffecsi.e2e.support.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The workload pods of one backend's run: created on the node, checked from inside with {@code kubectl exec}, and
 * deleted again (those a check leaves are deleted when the run closes, before the driver goes).
 */
public final class Workloads implements AutoCloseable {

    /** The in-pod check: the development distribution's launcher runs this module's {@code svid-check}. */
    private static final List<String> SVID_CHECK = List.of("/opt/spiffe-csi/bin/spiffe-csi-driver", "svid-check");

    private static final Duration RUNNING = Duration.ofMinutes(2);
    private static final Duration DELETE = Duration.ofMinutes(2);

    private final Kubectl kubectl;
    private final PodDiagnostics diagnostics;
    private final String image;
    private final String driver;
    private final List<String> created = new ArrayList<>();

    /**
     * @param image  the example workload's image
     * @param driver the CSI driver name pods ask for (the CSIDriver object's)
     */
    public Workloads(Kubectl kubectl, PodDiagnostics diagnostics, String image, String driver) {
        this.kubectl = kubectl;
        this.diagnostics = diagnostics;
        this.image = image;
        this.driver = driver;
    }

    /** Creates the pod (the scheduler places it); returns it as stored (its uid names its directory on the node). */
    public JsonNode create(WorkloadPod pod) {
        JsonNode stored = kubectl.create(pod.toPod(image, driver));
        created.add(pod.name());
        return stored;
    }

    public JsonNode get(String name) {
        return kubectl.getOrMissing("pod", WorkloadPod.NAMESPACE, name);
    }

    /** Waits until the pod is Running and ready; {@code context} (the driver's diagnostics) joins a failure. */
    public JsonNode awaitRunning(String name, Supplier<String> context) {
        return Poll.until(
                "workload pod " + name + " Running and Ready",
                RUNNING,
                () -> {
                    JsonNode pod = get(name);
                    return Pods.whyNotRunningAndReady(pod)
                            .<Poll.Outcome<JsonNode>>map(Poll::notYet)
                            .orElse(Poll.met(pod));
                },
                () -> diagnose(name) + "\n" + context.get());
    }

    /** Runs the SVID check in the pod's container: everything through its volume, as its own process. */
    public Exec.Result svidCheck(String name, String expectedId) {
        List<String> command = new ArrayList<>(SVID_CHECK);
        command.addAll(List.of("-expect-id", expectedId));
        return exec(name, command);
    }

    public Exec.Result exec(String name, List<String> command) {
        return kubectl.exec(WorkloadPod.NAMESPACE, name, WorkloadPod.CONTAINER, command);
    }

    /** The workload container's log (its main process, the example workload), each line with its time. */
    public List<String> timestampedLog(String name) {
        return kubectl.run(
                        List.of("logs", name, "-n", WorkloadPod.NAMESPACE, "-c", WorkloadPod.CONTAINER, "--timestamps"))
                .orThrow()
                .stdout()
                .lines()
                .toList();
    }

    /** The container's own mount table. */
    public String mountinfo(String name) {
        return exec(name, List.of("cat", "/proc/self/mountinfo")).orThrow().stdout();
    }

    /** Deletes the pod and waits until it is gone (the kubelet unpublished its volume). */
    public void delete(String name) {
        kubectl.deletePod(WorkloadPod.NAMESPACE, name, DELETE);
        created.remove(name);
    }

    public String diagnose(String name) {
        JsonNode pod = get(name);
        String events =
                pod.isMissingNode() ? "" : "--- events:\n" + diagnostics.events(WorkloadPod.NAMESPACE, Pods.uid(pod));
        return diagnostics.of(WorkloadPod.NAMESPACE, name) + events;
    }

    @Override
    public void close() {
        for (String name : List.copyOf(created)) {
            delete(name);
        }
    }
}
