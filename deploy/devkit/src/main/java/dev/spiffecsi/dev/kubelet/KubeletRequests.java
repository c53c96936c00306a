package dev.spiffecsi.dev.kubelet;

import dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.VolumeCapability;
import dev.spiffecsi.engine.volume.RequestValidator;
import dev.spiffecsi.spi.PodInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * What the kubelet sends for a CSI ephemeral inline volume, and what it does on disk before the publish: the
 * requests are built here once, for the simulator and for the benchmark, so that both drive a driver exactly alike.
 */
public final class KubeletRequests {

    /** The kubelet creates the parent of the target path with mode 0750 and leaves the target to the driver. */
    private static final FileAttribute<Set<PosixFilePermission>> PARENT_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---"));

    private KubeletRequests() {}

    /**
     * Creates the parent of the pod volume's target path (and the pod directories above it), as the kubelet does
     * before NodePublishVolume, and returns the target path.
     */
    public static Path prepareParent(PodVolumeLayout layout, Pod pod) throws IOException {
        Path target = layout.targetPath(pod);
        Files.createDirectories(target.getParent(), PARENT_MODE);
        return target;
    }

    /** The kubelet's NodePublishVolume for the pod's ephemeral inline volume. */
    public static NodePublishVolumeRequest publish(PodVolumeLayout layout, Pod pod) {
        return NodePublishVolumeRequest.newBuilder()
                .setVolumeId(layout.volumeId(pod))
                .setTargetPath(layout.targetPath(pod).toString())
                .setReadonly(pod.readOnly())
                .setVolumeCapability(VolumeCapability.newBuilder()
                        .setMount(VolumeCapability.MountVolume.getDefaultInstance())
                        .setAccessMode(VolumeCapability.AccessMode.newBuilder()
                                .setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)))
                // the pod's own attributes first: the kubelet's keys, set after them, win
                .putAllVolumeContext(pod.volumeAttributes())
                .putVolumeContext(PodInfo.POD_NAME, pod.name())
                .putVolumeContext(PodInfo.POD_NAMESPACE, pod.namespace())
                .putVolumeContext(PodInfo.POD_UID, pod.uid())
                .putVolumeContext(PodInfo.SERVICE_ACCOUNT, pod.serviceAccount())
                .putVolumeContext(RequestValidator.EPHEMERAL, "true")
                .build();
    }

    /** The kubelet's NodeUnpublishVolume for the pod's ephemeral inline volume. */
    public static NodeUnpublishVolumeRequest unpublish(PodVolumeLayout layout, Pod pod) {
        return NodeUnpublishVolumeRequest.newBuilder()
                .setVolumeId(layout.volumeId(pod))
                .setTargetPath(layout.targetPath(pod).toString())
                .build();
    }
}
