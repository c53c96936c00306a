package dev.spiffecsi.dev.kubelet;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A pod with one CSI ephemeral inline volume of this driver, with what the kubelet knows of it.
 *
 * @param volumeName       the volume's name in the pod spec ({@code spec.volumes[].name})
 * @param readOnly         the volume's {@code csi.readOnly} in the pod spec
 * @param volumeAttributes the volume's {@code csi.volumeAttributes} in the pod spec
 */
public record Pod(
        String name,
        String namespace,
        String uid,
        String serviceAccount,
        String volumeName,
        boolean readOnly,
        Map<String, String> volumeAttributes) {

    /** The volume name the SPIFFE CSI driver's examples use. */
    public static final String DEFAULT_VOLUME_NAME = "spiffe-workload-api";

    public Pod {
        requireSegment("name", name);
        requireSegment("namespace", namespace);
        requireSegment("uid", uid);
        requireSegment("serviceAccount", serviceAccount);
        requireSegment("volumeName", volumeName);
        volumeAttributes = Map.copyOf(volumeAttributes);
    }

    /** A pod whose volume sets no attributes. */
    public Pod(String name, String namespace, String uid, String serviceAccount, String volumeName, boolean readOnly) {
        this(name, namespace, uid, serviceAccount, volumeName, readOnly, Map.of());
    }

    /** The same pod, its volume with these {@code volumeAttributes}. */
    public Pod withVolumeAttributes(Map<String, String> attributes) {
        return new Pod(name, namespace, uid, serviceAccount, volumeName, readOnly, attributes);
    }

    /** A pod as a Deployment would create it: a fresh uid and a read-only volume {@value #DEFAULT_VOLUME_NAME}. */
    public static Pod of(String name, String namespace, String serviceAccount) {
        return new Pod(name, namespace, UUID.randomUUID().toString(), serviceAccount, DEFAULT_VOLUME_NAME, true);
    }

    /** {@code namespace/name}. */
    public String displayName() {
        return namespace + "/" + name;
    }

    /** The uid and volume name become path segments; Kubernetes never lets them contain a slash. */
    private static void requireSegment(String field, String value) {
        Objects.requireNonNull(value, field);
        if (value.isEmpty() || value.contains("/") || value.equals(".") || value.equals("..")) {
            throw new IllegalArgumentException(
                    "pod " + field + " must be a non-empty name without '/', got \"" + value + "\"");
        }
    }
}
