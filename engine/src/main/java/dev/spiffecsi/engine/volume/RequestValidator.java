package dev.spiffecsi.engine.volume;

import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.UnpublishRequest;

/**
 * Turns raw requests into validated SPI records, or fails with INVALID_ARGUMENT and a message naming the field.
 * The checks and their order follow spiffe-csi (Go) so that the same requests are accepted and rejected, except
 * that {@code readonly=false} is accepted unless {@code require-readonly-volume} is set, because our backends
 * enforce read-only themselves.
 */
public final class RequestValidator {

    public static final String EPHEMERAL = "csi.storage.k8s.io/ephemeral";

    private final TargetPathPolicy paths;
    private final boolean requireReadonly;

    public RequestValidator(TargetPathPolicy paths, boolean requireReadonly) {
        this.paths = paths;
        this.requireReadonly = requireReadonly;
    }

    /** Where target paths are confined; the engine resolves them through it too. */
    public TargetPathPolicy paths() {
        return paths;
    }

    public PublishRequest validate(PublishCommand command) {
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
            throw VolumeException.invalid("volume_capability.mount.fs_type must be empty, got \""
                    + capability.fsType() + "\"");
        }
        if (!capability.mountFlags().isEmpty()) {
            throw VolumeException.invalid("volume_capability.mount.mount_flags must be empty, got "
                    + capability.mountFlags());
        }
        if (capability.accessMode() == PublishCommand.AccessMode.MISSING) {
            throw VolumeException.invalid("volume_capability.access_mode is required");
        }
        if (capability.accessMode() == PublishCommand.AccessMode.UNKNOWN || capability.accessMode().readerOnly()) {
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
        return new PublishRequest(command.volumeId(), target, command.readOnly(),
                PodInfo.fromVolumeContext(command.volumeContext()), command.volumeContext());
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
            throw VolumeException.invalid("volume_id must be at most 1024 characters without NUL");
        }
    }
}
