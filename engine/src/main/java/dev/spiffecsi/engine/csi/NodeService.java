package dev.spiffecsi.engine.csi;

import dev.spiffecsi.engine.csi.proto.NodeExpandVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeExpandVolumeResponse;
import dev.spiffecsi.engine.csi.proto.NodeGetCapabilitiesRequest;
import dev.spiffecsi.engine.csi.proto.NodeGetCapabilitiesResponse;
import dev.spiffecsi.engine.csi.proto.NodeGetInfoRequest;
import dev.spiffecsi.engine.csi.proto.NodeGetInfoResponse;
import dev.spiffecsi.engine.csi.proto.NodeGetVolumeStatsRequest;
import dev.spiffecsi.engine.csi.proto.NodeGetVolumeStatsResponse;
import dev.spiffecsi.engine.csi.proto.NodeGrpc;
import dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodePublishVolumeResponse;
import dev.spiffecsi.engine.csi.proto.NodeServiceCapability;
import dev.spiffecsi.engine.csi.proto.NodeStageVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeStageVolumeResponse;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeResponse;
import dev.spiffecsi.engine.csi.proto.NodeUnstageVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnstageVolumeResponse;
import dev.spiffecsi.engine.csi.proto.VolumeCapability;
import dev.spiffecsi.engine.csi.proto.VolumeCondition;
import dev.spiffecsi.engine.csi.proto.VolumeUsage;
import dev.spiffecsi.engine.os.FileSystemUsage;
import dev.spiffecsi.engine.volume.PublishCommand;
import dev.spiffecsi.engine.volume.VolumeEngine;
import dev.spiffecsi.engine.volume.VolumeStats;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** CSI Node: translates protobuf to the engine's protocol-neutral commands and back. */
final class NodeService extends NodeGrpc.NodeImplBase {

    private final VolumeEngine engine;
    private final String nodeId;

    NodeService(VolumeEngine engine, String nodeId) {
        this.engine = engine;
        this.nodeId = nodeId;
    }

    @Override
    public void nodePublishVolume(
            NodePublishVolumeRequest request, StreamObserver<NodePublishVolumeResponse> response) {
        answer(response, () -> {
            engine.publish(toCommand(request));
            return NodePublishVolumeResponse.getDefaultInstance();
        });
    }

    @Override
    public void nodeUnpublishVolume(
            NodeUnpublishVolumeRequest request, StreamObserver<NodeUnpublishVolumeResponse> response) {
        answer(response, () -> {
            engine.unpublish(request.getVolumeId(), request.getTargetPath());
            return NodeUnpublishVolumeResponse.getDefaultInstance();
        });
    }

    @Override
    public void nodeGetVolumeStats(
            NodeGetVolumeStatsRequest request, StreamObserver<NodeGetVolumeStatsResponse> response) {
        answer(response, () -> {
            VolumeStats stats = engine.stats(request.getVolumeId(), request.getVolumePath());
            FileSystemUsage usage = stats.usage();
            return NodeGetVolumeStatsResponse.newBuilder()
                    .addUsage(VolumeUsage.newBuilder()
                            .setUnit(VolumeUsage.Unit.BYTES)
                            .setTotal(usage.totalBytes())
                            .setAvailable(usage.availableBytes())
                            .setUsed(usage.usedBytes()))
                    .addUsage(VolumeUsage.newBuilder()
                            .setUnit(VolumeUsage.Unit.INODES)
                            .setTotal(usage.totalInodes())
                            .setAvailable(usage.availableInodes())
                            .setUsed(usage.usedInodes()))
                    .setVolumeCondition(VolumeCondition.newBuilder()
                            .setAbnormal(stats.condition().abnormal())
                            .setMessage(stats.condition().message()))
                    .build();
        });
    }

    @Override
    public void nodeGetCapabilities(
            NodeGetCapabilitiesRequest request, StreamObserver<NodeGetCapabilitiesResponse> response) {
        response.onNext(NodeGetCapabilitiesResponse.newBuilder()
                .addCapabilities(rpc(NodeServiceCapability.RPC.Type.VOLUME_CONDITION))
                .addCapabilities(rpc(NodeServiceCapability.RPC.Type.GET_VOLUME_STATS))
                // the kubelet then sends the pod's fsGroup as volume_mount_group and changes no ownership itself,
                // whatever the CSIDriver's fsGroupPolicy: the fuse-proxy backend makes the key readable by that
                // group; bindmount and symlink-dev ignore it, so the agent's directory is never chowned
                .addCapabilities(rpc(NodeServiceCapability.RPC.Type.VOLUME_MOUNT_GROUP))
                .build());
        response.onCompleted();
    }

    @Override
    public void nodeGetInfo(NodeGetInfoRequest request, StreamObserver<NodeGetInfoResponse> response) {
        response.onNext(NodeGetInfoResponse.newBuilder().setNodeId(nodeId).build());
        response.onCompleted();
    }

    @Override
    public void nodeStageVolume(NodeStageVolumeRequest request, StreamObserver<NodeStageVolumeResponse> response) {
        response.onError(unimplemented("NodeStageVolume"));
    }

    @Override
    public void nodeUnstageVolume(
            NodeUnstageVolumeRequest request, StreamObserver<NodeUnstageVolumeResponse> response) {
        response.onError(unimplemented("NodeUnstageVolume"));
    }

    @Override
    public void nodeExpandVolume(NodeExpandVolumeRequest request, StreamObserver<NodeExpandVolumeResponse> response) {
        response.onError(unimplemented("NodeExpandVolume"));
    }

    private static Throwable unimplemented(String method) {
        return Status.UNIMPLEMENTED
                .withDescription(method + " is not supported: this driver serves only "
                        + "ephemeral inline volumes, which are never staged or expanded")
                .asRuntimeException();
    }

    private static NodeServiceCapability rpc(NodeServiceCapability.RPC.Type type) {
        return NodeServiceCapability.newBuilder()
                .setRpc(NodeServiceCapability.RPC.newBuilder().setType(type))
                .build();
    }

    private static <T> void answer(StreamObserver<T> response, Supplier<T> body) {
        T result;
        try {
            result = body.get();
        } catch (RuntimeException e) {
            response.onError(StatusMapper.toStatus(e));
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }

    static PublishCommand toCommand(NodePublishVolumeRequest request) {
        PublishCommand.Capability capability = null;
        if (request.hasVolumeCapability()) {
            VolumeCapability cap = request.getVolumeCapability();
            PublishCommand.AccessType accessType = switch (cap.getAccessTypeCase()) {
                case MOUNT -> PublishCommand.AccessType.MOUNT;
                case BLOCK -> PublishCommand.AccessType.BLOCK;
                default -> PublishCommand.AccessType.NONE;
            };
            PublishCommand.AccessMode accessMode =
                    cap.hasAccessMode() ? accessMode(cap.getAccessMode().getMode()) : PublishCommand.AccessMode.MISSING;
            capability = new PublishCommand.Capability(
                    accessType,
                    cap.getMount().getFsType(),
                    cap.getMount().getMountFlagsList(),
                    accessMode,
                    cap.getMount().getVolumeMountGroup());
        }
        return new PublishCommand(
                request.getVolumeId(),
                request.getTargetPath(),
                request.getStagingTargetPath(),
                capability,
                request.getReadonly(),
                request.getVolumeContextMap());
    }

    private static PublishCommand.AccessMode accessMode(VolumeCapability.AccessMode.Mode mode) {
        return switch (mode) {
            case SINGLE_NODE_WRITER -> PublishCommand.AccessMode.SINGLE_NODE_WRITER;
            case SINGLE_NODE_READER_ONLY -> PublishCommand.AccessMode.SINGLE_NODE_READER_ONLY;
            case MULTI_NODE_READER_ONLY -> PublishCommand.AccessMode.MULTI_NODE_READER_ONLY;
            case MULTI_NODE_SINGLE_WRITER -> PublishCommand.AccessMode.MULTI_NODE_SINGLE_WRITER;
            case MULTI_NODE_MULTI_WRITER -> PublishCommand.AccessMode.MULTI_NODE_MULTI_WRITER;
            case SINGLE_NODE_SINGLE_WRITER -> PublishCommand.AccessMode.SINGLE_NODE_SINGLE_WRITER;
            case SINGLE_NODE_MULTI_WRITER -> PublishCommand.AccessMode.SINGLE_NODE_MULTI_WRITER;
            default -> PublishCommand.AccessMode.UNKNOWN;
        };
    }
}
