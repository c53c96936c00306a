package dev.spiffecsi.spi;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A validated request to unpublish a volume; the target is confined like a publish target.
 *
 * @param recorded true when the engine's state says this backend published this target. A backend may then take
 *                 away a publication it no longer recognizes as its own (for example a bind mount of an agent
 *                 socket directory that was since deleted and recreated), instead of leaving the pod stuck.
 * @since 0.1
 */
public record UnpublishRequest(String volumeId, Path targetPath, boolean recorded) {
    public UnpublishRequest {
        Objects.requireNonNull(volumeId, "volumeId");
        Objects.requireNonNull(targetPath, "targetPath");
    }

    /** A request for a target the engine has no record of. */
    public UnpublishRequest(String volumeId, Path targetPath) {
        this(volumeId, targetPath, false);
    }
}
