package dev.spiffecsi.e2e.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;

/**
 * A workload pod of the tier: the example workload with the driver's CSI inline volume at
 * {@value #MOUNT_PATH}, as a user's pod would have it, with the variations the checks need.
 *
 * @param name        in namespace default
 * @param runAsUser   the container's uid (the dev agent tells callers apart by uid: the driver's is 0)
 * @param csiReadOnly the volume's {@code csi.readOnly}; empty leaves it out (the kubelet then asks for a writable
 *                    volume)
 * @param mountReadOnly the volumeMount's {@code readOnly}
 * @param propagation the volumeMount's {@code mountPropagation}; empty leaves it out (None)
 * @param volumeAttributes the CSI volume's {@code volumeAttributes}
 * @param mainCommand the container's main process, a command of the tier's jar: {@code svid-watch} (one long-lived
 *                    stream) or {@code svid-poll} (a fetch every 150 ms, to measure gaps)
 */
public record WorkloadPod(
        String name,
        int runAsUser,
        Optional<Boolean> csiReadOnly,
        boolean mountReadOnly,
        Optional<String> propagation,
        Map<String, String> volumeAttributes,
        String mainCommand) {

    public WorkloadPod {
        volumeAttributes = Map.copyOf(volumeAttributes);
    }

    public static final String NAMESPACE = "default";
    public static final String CONTAINER = "workload";
    public static final String MOUNT_PATH = "/spiffe-workload-api";
    /** The Workload API socket's name in the volume (the agent's, or the one fuse-proxy serves). */
    public static final String SOCKET = "spire-agent.sock";

    public static final String VOLUME = "spiffe-workload-api";
    /** The label of every pod the tier creates, to find leftovers. */
    public static final String LABEL = "app.kubernetes.io/part-of";

    public static final String LABEL_VALUE = "spiffe-csi-e2e";

    /** The README's workload: {@code csi.readOnly: true} and a read-only volumeMount, uid 1000. */
    public static WorkloadPod readOnly(String name) {
        return new WorkloadPod(name, 1000, Optional.of(true), true, Optional.empty(), Map.of(), "svid-watch");
    }

    public WorkloadPod withPropagation(String mode) {
        return new WorkloadPod(
                name, runAsUser, csiReadOnly, mountReadOnly, Optional.of(mode), volumeAttributes, mainCommand);
    }

    /** The main process fetches the X.509-SVID every 150 ms and prints the gaps it sees (svid-poll). */
    public WorkloadPod polling() {
        return new WorkloadPod(name, runAsUser, csiReadOnly, mountReadOnly, propagation, volumeAttributes, "svid-poll");
    }

    /** Neither the volume nor the volumeMount says readOnly. */
    public WorkloadPod omittingReadOnly() {
        return new WorkloadPod(name, runAsUser, Optional.empty(), false, propagation, volumeAttributes, mainCommand);
    }

    public WorkloadPod runningAs(int uid) {
        return new WorkloadPod(name, uid, csiReadOnly, mountReadOnly, propagation, volumeAttributes, mainCommand);
    }

    /** The volume with one more attribute, whatever its name: Kubernetes validates neither names nor sizes. */
    public WorkloadPod withVolumeAttribute(String key, String value) {
        Map<String, String> attributes = new java.util.TreeMap<>(volumeAttributes);
        attributes.put(key, value);
        return new WorkloadPod(name, runAsUser, csiReadOnly, mountReadOnly, propagation, attributes, mainCommand);
    }

    ObjectNode toPod(String image, String driver) {
        ObjectNode pod = Kubectl.JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
        pod.putObject("metadata")
                .put("name", name)
                .put("namespace", NAMESPACE)
                .putObject("labels")
                .put(LABEL, LABEL_VALUE);
        ObjectNode spec = pod.putObject("spec").put("terminationGracePeriodSeconds", 5);
        spec.putObject("securityContext").put("runAsUser", runAsUser).put("runAsGroup", runAsUser);
        ObjectNode container = spec.putArray("containers")
                .addObject()
                .put("name", CONTAINER)
                .put("image", image)
                .put("imagePullPolicy", "Never");
        // the main process holds a Workload API stream for the pod's whole life (svid-watch, in the tier's jar), or
        // polls (svid-poll)
        container
                .putArray("command")
                .add("/opt/spiffe-csi/bin/spiffe-csi-driver")
                .add(mainCommand);
        container
                .putArray("env")
                .addObject()
                .put("name", "SPIFFE_ENDPOINT_SOCKET")
                .put("value", "unix://" + MOUNT_PATH + "/" + SOCKET);
        ObjectNode mount = container
                .putArray("volumeMounts")
                .addObject()
                .put("name", VOLUME)
                .put("mountPath", MOUNT_PATH);
        if (mountReadOnly) {
            mount.put("readOnly", true);
        }
        propagation.ifPresent(mode -> mount.put("mountPropagation", mode));
        ObjectNode csi = spec.putArray("volumes")
                .addObject()
                .put("name", VOLUME)
                .putObject("csi")
                .put("driver", driver);
        csiReadOnly.ifPresent(readOnly -> csi.put("readOnly", readOnly));
        if (!volumeAttributes.isEmpty()) {
            ObjectNode attributes = csi.putObject("volumeAttributes");
            volumeAttributes.forEach(attributes::put);
        }
        return pod;
    }
}
