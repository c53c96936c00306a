package dev.spiffecsi.spi;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A validated request to publish a volume.
 *
 * @param volumeId      the CSI volume id (for ephemeral volumes, unique per pod volume)
 * @param targetPath    absolute, normalized, confined below the kubelet pods directory
 * @param readOnly      the CSI request's {@code NodePublishVolumeRequest.readonly} flag; backends that can enforce read-only always do
 * @param pod           who the volume is for
 * @param volumeContext the raw CSI volume context, unmodifiable
 * @param volumeMountGroup the group the CO asks the volume's files to be accessible to (CSI
 *                      {@code volume_capability.mount.volume_mount_group}: the kubelet sends the pod's
 *                      {@code fsGroup} because the driver advertises {@code VOLUME_MOUNT_GROUP}), a validated
 *                      non-negative gid; empty when the pod has no fsGroup. The kubelet then changes no ownership
 *                      itself: a backend applies the group to what it creates, or ignores it, and never changes
 *                      the ownership of anything it does not own (the agent's directory)
 * @since 0.1
 */
public record PublishRequest(
        String volumeId,
        Path targetPath,
        boolean readOnly,
        PodInfo pod,
        Map<String, String> volumeContext,
        OptionalInt volumeMountGroup) {

    /** The prefix of the keys the kubelet adds to the volume context itself (pod info, the ephemeral flag). */
    public static final String KUBELET_ATTRIBUTE_PREFIX = "csi.storage.k8s.io/";

    public PublishRequest {
        Objects.requireNonNull(volumeId, "volumeId");
        Objects.requireNonNull(targetPath, "targetPath");
        Objects.requireNonNull(pod, "pod");
        volumeContext = Map.copyOf(volumeContext);
        if (volumeMountGroup.orElse(0) < 0) {
            throw new IllegalArgumentException("a negative volume mount group: " + volumeMountGroup.getAsInt());
        }
    }

    /** A request without a volume mount group. */
    public PublishRequest(
            String volumeId, Path targetPath, boolean readOnly, PodInfo pod, Map<String, String> volumeContext) {
        this(volumeId, targetPath, readOnly, pod, volumeContext, OptionalInt.empty());
    }

    /**
     * The attributes the pod set on its volume ({@code volumeAttributes} of the inline volume), sorted by name: the
     * volume context without what the kubelet adds ({@value #KUBELET_ATTRIBUTE_PREFIX}...).
     */
    public Map<String, String> podAttributes() {
        Map<String, String> attributes = new TreeMap<>();
        volumeContext.forEach((key, value) -> {
            if (!key.startsWith(KUBELET_ATTRIBUTE_PREFIX)) {
                attributes.put(key, value);
            }
        });
        return attributes;
    }

    /**
     * Refuses a pod attribute the backend does not understand, so that a misspelt or misplaced attribute (one that
     * only another backend serves) fails the publish instead of being ignored.
     *
     * @param understood the attribute names the backend reads
     * @param backend    the backend's name, for the message
     * @throws BackendException INVALID_REQUEST naming the first attribute not understood
     */
    public void requireOnlyAttributes(Set<String> understood, String backend) {
        for (String name : podAttributes().keySet()) {
            if (!understood.contains(name)) {
                throw new BackendException(
                        BackendException.Failure.INVALID_REQUEST,
                        "volume attribute "
                                + LogSafe.value(name, 128) + " is not one the " + backend
                                + " backend understands (it understands "
                                + (understood.isEmpty() ? "none" : new TreeSet<>(understood).toString()) + ")");
            }
        }
    }
}
