package dev.spiffecsi.e2e.godriver;

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
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeResponse;
import dev.spiffecsi.engine.csi.proto.VolumeCapability;
import dev.spiffecsi.engine.csi.proto.VolumeCondition;
import dev.spiffecsi.spi.MountSyscalls;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * spiffe/spiffe-csi v0.2.12's Node service (pkg/driver/driver.go, pkg/mount/mount_linux.go), call for call:
 * <ul>
 *   <li>NodePublishVolume: its checks in its order (volume id, target path, a plain mount capability, an access
 *       mode that is not SINGLE_NODE_READER_ONLY, {@code readonly}, {@code csi.storage.k8s.io/ephemeral}); the
 *       target created with {@code os.Mkdir(target, 0777)}, an existing one accepted; unless the target is already
 *       a mount point in /proc/self/mountinfo, {@code mount(dir, target, "none", MS_BIND, "")}: a bind mount of the
 *       agent socket directory with no flag of its own (the Go code calls it bindMountRW); no record anywhere.</li>
 *   <li>NodeUnpublishVolume: unmount (flags 0) if the target is a mount point, then remove the target, a missing
 *       one accepted.</li>
 *   <li>NodeGetCapabilities VOLUME_CONDITION and GET_VOLUME_STATS; NodeGetVolumeStats a condition only ("mounted",
 *       or abnormal when the path is no mount point or cannot be listed); NodeGetInfo the node id.</li>
 * </ul>
 */
final class GoDriverNode extends NodeGrpc.NodeImplBase {

    private final MountSyscalls mounts;
    private final String nodeId;
    private final String workloadApiSocketDir;
    private final PrintStream log;

    GoDriverNode(MountSyscalls mounts, String nodeId, String workloadApiSocketDir, PrintStream log) {
        if (workloadApiSocketDir.isEmpty()) {
            throw new IllegalArgumentException("workload API socket directory is required");
        }
        this.mounts = mounts;
        this.nodeId = nodeId;
        this.workloadApiSocketDir = workloadApiSocketDir;
        this.log = log;
    }

    String workloadApiSocketDir() {
        return workloadApiSocketDir;
    }

    @Override
    public void nodePublishVolume(
            NodePublishVolumeRequest request, StreamObserver<NodePublishVolumeResponse> response) {
        try {
            String refused = refusal(request);
            if (refused != null) {
                throw Status.INVALID_ARGUMENT.withDescription(refused).asRuntimeException();
            }
            Path target = Path.of(request.getTargetPath());
            try {
                Files.createDirectory(target);
            } catch (FileAlreadyExistsException e) {
                // os.IsExist: an existing target is used as it is
            } catch (IOException e) {
                throw internal("unable to create target path " + target + ": " + e.getMessage());
            }
            if (!isMountPoint(target)) {
                try {
                    mounts.mount(workloadApiSocketDir, target, "none", MountSyscalls.MS_BIND, "");
                } catch (IOException e) {
                    throw internal("unable to mount " + target + ": " + e.getMessage());
                }
            }
            log("Volume published", request.getVolumeId(), target);
            response.onNext(NodePublishVolumeResponse.getDefaultInstance());
            response.onCompleted();
        } catch (StatusRuntimeException e) {
            log("Failed to publish volume: " + e.getStatus(), request.getVolumeId(), request.getTargetPath());
            response.onError(e);
        }
    }

    /** Go's validation switch, in its order; null when the request passes. */
    private static String refusal(NodePublishVolumeRequest request) {
        VolumeCapability capability = request.getVolumeCapability();
        if (request.getVolumeId().isEmpty()) {
            return "request missing required volume id";
        } else if (request.getTargetPath().isEmpty()) {
            return "request missing required target path";
        } else if (!request.hasVolumeCapability()) {
            return "request missing required volume capability";
        } else if (capability.getAccessTypeCase() == VolumeCapability.AccessTypeCase.ACCESSTYPE_NOT_SET) {
            return "request missing required volume capability access type";
        } else if (!capability.hasMount()
                || !capability.getMount().getFsType().isEmpty()
                || capability.getMount().getMountFlagsCount() != 0) {
            return "request volume capability access type must be a simple mount";
        } else if (!capability.hasAccessMode()) {
            return "request missing required volume capability access mode";
        } else if (capability.getAccessMode().getMode() == VolumeCapability.AccessMode.Mode.SINGLE_NODE_READER_ONLY) {
            return "request volume capability access mode is not valid";
        } else if (!request.getReadonly()) {
            return "pod.spec.volumes[].csi.readOnly must be set to 'true'";
        } else if (!"true".equals(request.getVolumeContextMap().get("csi.storage.k8s.io/ephemeral"))) {
            return "only ephemeral volumes are supported";
        }
        return null;
    }

    @Override
    public void nodeUnpublishVolume(
            NodeUnpublishVolumeRequest request, StreamObserver<NodeUnpublishVolumeResponse> response) {
        try {
            if (request.getVolumeId().isEmpty()) {
                throw Status.INVALID_ARGUMENT
                        .withDescription("request missing required volume id")
                        .asRuntimeException();
            } else if (request.getTargetPath().isEmpty()) {
                throw Status.INVALID_ARGUMENT
                        .withDescription("request missing required target path")
                        .asRuntimeException();
            }
            Path target = Path.of(request.getTargetPath());
            if (isMountPoint(target)) {
                try {
                    mounts.umount2(target, 0);
                } catch (IOException e) {
                    throw internal("unable to unmount " + target + ": " + e.getMessage());
                }
            }
            try {
                Files.delete(target);
            } catch (NoSuchFileException e) {
                // errors.Is(err, os.ErrNotExist): already gone
            } catch (IOException e) {
                throw internal("unable to remove target path " + target + ": " + e.getMessage());
            }
            log("Volume unpublished", request.getVolumeId(), target);
            response.onNext(NodeUnpublishVolumeResponse.getDefaultInstance());
            response.onCompleted();
        } catch (StatusRuntimeException e) {
            log("Failed to unpublish volume: " + e.getStatus(), request.getVolumeId(), request.getTargetPath());
            response.onError(e);
        }
    }

    @Override
    public void nodeGetCapabilities(
            NodeGetCapabilitiesRequest request, StreamObserver<NodeGetCapabilitiesResponse> response) {
        NodeGetCapabilitiesResponse.Builder answer = NodeGetCapabilitiesResponse.newBuilder();
        for (NodeServiceCapability.RPC.Type type : new NodeServiceCapability.RPC.Type[] {
            NodeServiceCapability.RPC.Type.VOLUME_CONDITION, NodeServiceCapability.RPC.Type.GET_VOLUME_STATS
        }) {
            answer.addCapabilities(NodeServiceCapability.newBuilder()
                    .setRpc(NodeServiceCapability.RPC.newBuilder().setType(type)));
        }
        response.onNext(answer.build());
        response.onCompleted();
    }

    @Override
    public void nodeGetInfo(NodeGetInfoRequest request, StreamObserver<NodeGetInfoResponse> response) {
        response.onNext(NodeGetInfoResponse.newBuilder().setNodeId(nodeId).build());
        response.onCompleted();
    }

    @Override
    public void nodeGetVolumeStats(
            NodeGetVolumeStatsRequest request, StreamObserver<NodeGetVolumeStatsResponse> response) {
        Path path = Path.of(request.getVolumePath());
        String problem = null;
        if (!isMountPoint(path)) {
            problem = "volume path is not mounted";
        } else {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
                entries.forEach(entry -> {});
            } catch (IOException e) {
                problem = "unable to list contents of volume path: " + e.getMessage();
            }
        }
        response.onNext(NodeGetVolumeStatsResponse.newBuilder()
                .setVolumeCondition(VolumeCondition.newBuilder()
                        .setAbnormal(problem != null)
                        .setMessage(problem == null ? "mounted" : problem))
                .build());
        response.onCompleted();
    }

    /** Go's isMountPoint: some line of /proc/self/mountinfo has the path as its mount point. */
    private static boolean isMountPoint(Path path) {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(line -> line.split(" "))
                    .anyMatch(fields -> fields.length > 4 && unescape(fields[4]).equals(path.toString()));
        } catch (IOException e) {
            throw internal("failed to enumerate bind mounts: " + e.getMessage());
        }
    }

    private static String unescape(String field) {
        return field.replace("\\040", " ")
                .replace("\\011", "\t")
                .replace("\\012", "\n")
                .replace("\\134", "\\");
    }

    private static StatusRuntimeException internal(String message) {
        return Status.INTERNAL.withDescription(message).asRuntimeException();
    }

    private void log(String message, String volumeId, Object target) {
        synchronized (log) {
            log.println(message + " volume_id=" + volumeId + " target_path=" + target);
            log.flush();
        }
    }
}
