package dev.spiffecsi.engine.volume;

import dev.spiffecsi.spi.LogSafe;
import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.UnpublishRequest;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Turns raw requests into validated SPI records, or fails with INVALID_ARGUMENT and a message naming the field.
 * The checks and their order follow spiffe-csi (Go) so that the same requests are accepted and rejected, except
 * that {@code readonly=false} is accepted unless {@code require-readonly-volume} is set, because our backends
 * enforce read-only themselves. Stricter than the Go driver: the volume context is bounded before anything reads it
 * ({@link VolumeContextPolicy}), and a target must be the kubelet's own path for the pod the request names.
 */
public final class RequestValidator {

    public static final String EPHEMERAL = "csi.storage.k8s.io/ephemeral";

    /** The default of {@code spiffe-csi.limits.volume-context-max-bytes}. */
    public static final int DEFAULT_VOLUME_CONTEXT_MAX_BYTES = 16 * 1024;

    /** The kubelet's target of an inline volume: {@code <pods>/<pod uid>/volumes/kubernetes.io~csi/<name>/mount}. */
    private static final String VOLUMES = "volumes";

    private static final String CSI_PLUGIN_DIR = "kubernetes.io~csi";
    private static final String MOUNT = "mount";

    private final TargetPathPolicy paths;
    private final boolean requireReadonly;
    private final VolumeContextPolicy volumeContext;

    public RequestValidator(TargetPathPolicy paths, boolean requireReadonly) {
        this(paths, requireReadonly, DEFAULT_VOLUME_CONTEXT_MAX_BYTES);
    }

    /** @param volumeContextMaxBytes the largest volume context accepted, keys and values counted in UTF-8 */
    public RequestValidator(TargetPathPolicy paths, boolean requireReadonly, int volumeContextMaxBytes) {
        this.paths = paths;
        this.requireReadonly = requireReadonly;
        this.volumeContext = new VolumeContextPolicy(volumeContextMaxBytes);
    }

    /** Where target paths are confined; the engine resolves them through it too. */
    public TargetPathPolicy paths() {
        return paths;
    }

    public PublishRequest validate(PublishCommand command) {
        // first: nothing below may spend time or memory on a context of unbounded size
        volumeContext.check(command.volumeContext());
        requireVolumeId(command.volumeId());
        if (command.targetPath().isEmpty()) {
            throw VolumeException.invalid("target_path is required");
        }
        PublishCommand.Capability capability = command.capability();
        if (capability == null) {
            throw VolumeException.invalid("volume_capability is required");
        }
        if (capability.accessType() == PublishCommand.AccessType.NONE) {
            throw VolumeException.invalid("volume_capability.access_type is required");
        }
        if (capability.accessType() == PublishCommand.AccessType.BLOCK) {
            throw VolumeException.invalid("volume_capability.access_type must be mount, not block");
        }
        if (!capability.fsType().isEmpty()) {
            throw VolumeException.invalid(
                    "volume_capability.mount.fs_type must be empty, got " + LogSafe.value(capability.fsType(), 64));
        }
        if (!capability.mountFlags().isEmpty()) {
            throw VolumeException.invalid("volume_capability.mount.mount_flags must be empty, got "
                    + capability.mountFlags().size() + " flags, the first "
                    + LogSafe.value(capability.mountFlags().get(0), 64));
        }
        OptionalInt mountGroup = VolumeMountGroup.parse(capability.volumeMountGroup());
        if (capability.accessMode() == PublishCommand.AccessMode.MISSING) {
            throw VolumeException.invalid("volume_capability.access_mode is required");
        }
        if (capability.accessMode() == PublishCommand.AccessMode.UNKNOWN
                || capability.accessMode().readerOnly()) {
            throw VolumeException.invalid("volume_capability.access_mode " + capability.accessMode()
                    + " is not supported (use a writer mode such as SINGLE_NODE_WRITER; the volume is read-only "
                    + "regardless)");
        }
        if (requireReadonly && !command.readOnly()) {
            throw VolumeException.invalid("readonly must be true (pod.spec.volumes[].csi.readOnly: true), "
                    + "because require-readonly-volume is set");
        }
        String ephemeral = command.volumeContext().getOrDefault(EPHEMERAL, "");
        if (!ephemeral.equals("true")) {
            throw VolumeException.invalid("volume_context[\"" + EPHEMERAL + "\"] must be \"true\": only "
                    + "ephemeral inline volumes are supported");
        }
        var target = paths.confine("target_path", command.targetPath());
        PodInfo pod = PodInfo.fromVolumeContext(command.volumeContext());
        if (!pod.uid().isEmpty()) {
            requireKubeletTarget(target, pod.uid());
        }
        return new PublishRequest(
                command.volumeId(), target, command.readOnly(), pod, command.volumeContext(), mountGroup);
    }

    /**
     * A request that names its pod publishes into that pod's own volume directory, where the kubelet puts every CSI
     * inline volume: never into another pod's directory, nor anywhere else below the pods directory.
     */
    private void requireKubeletTarget(Path target, String podUid) {
        Path pods = paths.podsDir();
        int base = pods.getNameCount();
        boolean kubeletShape = target.getNameCount() == base + 5
                && target.getName(base).toString().equals(podUid)
                && target.getName(base + 1).toString().equals(VOLUMES)
                && target.getName(base + 2).toString().equals(CSI_PLUGIN_DIR)
                && target.getName(base + 4).toString().equals(MOUNT);
        if (!kubeletShape) {
            throw VolumeException.invalid("target_path must be " + pods + "/" + podUid + "/" + VOLUMES + "/"
                    + CSI_PLUGIN_DIR + "/<volume name>/" + MOUNT + " for the pod the volume_context names (pod.uid "
                    + podUid + "), got " + LogSafe.value(target.toString()));
        }
    }

    public UnpublishRequest validateUnpublish(String volumeId, String targetPath) {
        requireVolumeId(volumeId);
        return new UnpublishRequest(volumeId, paths.confine("target_path", targetPath));
    }

    /**
     * Validates a NodeGetVolumeStats request: both fields are required. Whether volume_path holds the volume is
     * the engine's to decide (NOT_FOUND), whatever the path looks like: it is never used to reach the file system
     * unless it is the recorded target of volume_id.
     */
    public void validateStats(String volumeId, String volumePath) {
        requireVolumeId(volumeId);
        if (volumePath.isEmpty()) {
            throw VolumeException.invalid("volume_path is required");
        }
        if (volumePath.indexOf('\0') >= 0) {
            throw VolumeException.invalid("volume_path contains a NUL character");
        }
    }

    private static void requireVolumeId(String volumeId) {
        if (volumeId.isEmpty()) {
            throw VolumeException.invalid("volume_id is required");
        }
        if (volumeId.indexOf('\0') >= 0 || volumeId.length() > 1024) {
            // the id is not quoted: the limit is what the caller needs to know, not its 10 MB value
            throw VolumeException.invalid("volume_id must be at most 1024 characters without NUL");
        }
    }
}
