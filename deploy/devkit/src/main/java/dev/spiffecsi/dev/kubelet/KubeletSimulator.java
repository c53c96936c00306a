package dev.spiffecsi.dev.kubelet;

import dev.spiffecsi.engine.csi.proto.GetPluginInfoRequest;
import dev.spiffecsi.engine.csi.proto.GetPluginInfoResponse;
import dev.spiffecsi.engine.csi.proto.NodeGetInfoRequest;
import dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeRequest;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Drives a CSI driver the way the kubelet does for CSI ephemeral inline volumes, over the driver's Unix socket:
 * registration (GetPluginInfo, NodeGetInfo), then NodePublishVolume and NodeUnpublishVolume per pod, with the
 * kubelet's target paths, volume ids, volume context and retries. Thread-safe: pods may be published concurrently.
 *
 * <p>Like the kubelet, it creates only the parent of the target path (mode 0750) before a publish and leaves the
 * target itself to the driver, and after an unpublish it removes the target directory if the driver left it.
 */
public final class KubeletSimulator implements AutoCloseable {

    private final CsiConnection csi;
    private final PodVolumeLayout layout;
    private final RetryPolicy retry;

    private KubeletSimulator(CsiConnection csi, PodVolumeLayout layout, RetryPolicy retry) {
        this.csi = csi;
        this.layout = layout;
        this.retry = retry;
    }

    /**
     * @param csiSocket the driver's CSI socket
     * @param podsDir   the kubelet pods directory the driver is configured with
     */
    public static KubeletSimulator connect(Path csiSocket, Path podsDir, RetryPolicy retry) {
        return new KubeletSimulator(CsiConnection.open(csiSocket), new PodVolumeLayout(podsDir), retry);
    }

    /** Asks the driver who it is, as the kubelet does when node-driver-registrar registers it. */
    public RegisteredDriver register() {
        GetPluginInfoResponse info = retry.call(
                "GetPluginInfo", () -> csi.identity().getPluginInfo(GetPluginInfoRequest.getDefaultInstance()));
        String nodeId = retry.call("NodeGetInfo", () -> csi.node().nodeGetInfo(NodeGetInfoRequest.getDefaultInstance()))
                .getNodeId();
        return new RegisteredDriver(info.getName(), info.getVendorVersion(), nodeId);
    }

    /**
     * Publishes the pod's volume and returns its target path.
     *
     * @throws IOException      when the volume's parent directory cannot be created
     * @throws KubeletException when the driver still refuses after every retry
     */
    public Path publish(Pod pod) throws IOException {
        Path target = KubeletRequests.prepareParent(layout, pod);
        NodePublishVolumeRequest request = KubeletRequests.publish(layout, pod);
        retry.call(
                "NodePublishVolume for pod " + pod.displayName(),
                () -> csi.node().nodePublishVolume(request));
        return target;
    }

    /**
     * Unpublishes the pod's volume, then removes its target directory if the driver left it.
     *
     * @throws IOException      when the target is still there and cannot be removed (it is not empty)
     * @throws KubeletException when the driver still refuses after every retry
     */
    public void unpublish(Pod pod) throws IOException {
        Path target = layout.targetPath(pod);
        NodeUnpublishVolumeRequest request = KubeletRequests.unpublish(layout, pod);
        retry.call(
                "NodeUnpublishVolume for pod " + pod.displayName(),
                () -> csi.node().nodeUnpublishVolume(request));
        try {
            Files.deleteIfExists(target);
        } catch (DirectoryNotEmptyException e) {
            throw new IOException(
                    "after NodeUnpublishVolume for pod " + pod.displayName() + ", " + target
                            + " still has content; left in place",
                    e);
        }
    }

    @Override
    public void close() {
        csi.close();
    }
}
