package dev.spiffecsi.engine.volume;

import java.util.List;
import java.util.Map;

/**
 * A NodePublishVolume request as received, before validation; protocol-neutral so that validation does not
 * depend on gRPC. Absent strings are empty, as in proto3.
 */
public record PublishCommand(
        String volumeId,
        String targetPath,
        String stagingTargetPath,
        Capability capability,
        boolean readOnly,
        Map<String, String> volumeContext) {

    public PublishCommand {
        volumeContext = Map.copyOf(volumeContext);
    }

    /**
     * The volume_capability; {@code null} when the request has none.
     *
     * @param volumeMountGroup {@code mount.volume_mount_group} as received (the pod's fsGroup), unvalidated; empty
     *                         when absent
     */
    public record Capability(
            AccessType accessType,
            String fsType,
            List<String> mountFlags,
            AccessMode accessMode,
            String volumeMountGroup) {
        public Capability {
            mountFlags = List.copyOf(mountFlags);
            volumeMountGroup = volumeMountGroup == null ? "" : volumeMountGroup;
        }

        /** A capability without a volume mount group. */
        public Capability(AccessType accessType, String fsType, List<String> mountFlags, AccessMode accessMode) {
            this(accessType, fsType, mountFlags, accessMode, "");
        }
    }

    /** Which access_type oneof member was set. */
    public enum AccessType {
        NONE,
        MOUNT,
        BLOCK
    }

    /** CSI AccessMode.Mode; {@code MISSING} when the capability has no access_mode. */
    public enum AccessMode {
        MISSING,
        UNKNOWN,
        SINGLE_NODE_WRITER,
        SINGLE_NODE_READER_ONLY,
        MULTI_NODE_READER_ONLY,
        MULTI_NODE_SINGLE_WRITER,
        MULTI_NODE_MULTI_WRITER,
        SINGLE_NODE_SINGLE_WRITER,
        SINGLE_NODE_MULTI_WRITER;

        boolean readerOnly() {
            return this == SINGLE_NODE_READER_ONLY || this == MULTI_NODE_READER_ONLY;
        }
    }
}
