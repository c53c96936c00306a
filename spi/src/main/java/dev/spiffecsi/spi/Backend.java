package dev.spiffecsi.spi;

import java.nio.file.Path;
import java.util.List;

/**
 * Materializes the Workload API socket at a pod's target path.
 *
 * <p>The engine owns everything around a backend call: request validation, target path confinement, per-volume
 * locking, idempotency, creating the (empty) target directory before {@link #publish} and removing it after
 * {@link #unpublish}, and the record of what is published. A backend only puts its materialization onto an
 * existing, validated, empty target directory and takes it away again. Calls for the same target never overlap;
 * calls for different targets run concurrently, so implementations must be thread-safe.
 *
 * <p>The engine checks a target path before the call, but a pod-writable component could be swapped for a symlink
 * right after. So {@link #publish} and {@link #unpublish} act on the target only through
 * {@link MountSyscalls#resolveBeneath}{@code (kubeletPodsDir, target)}: through the held parent
 * ({@link ResolvedTarget#entry()}), and mount onto the target's own descriptor ({@link ResolvedTarget#openDirectory()}
 * or {@link MountSyscalls#bindWithAttributes(Path, ResolvedTarget, long)}), never by the path again. A symlink or a
 * file in the path is refused ({@link BackendException.Failure#INVALID_REQUEST}); a missing parent means there is
 * nothing to unpublish. The contract tests check this.
 *
 * <p>Failures are reported as {@link BackendException}; the engine maps them to gRPC status codes.
 *
 * <p><b>Stability:</b> experimental until 1.0 (see the package documentation); the operations and the meaning of
 * the {@link TargetState}s are what we mean to keep, and a new operation comes as a default method.
 *
 * @since 0.1
 */
public interface Backend extends AutoCloseable {

    /**
     * Called once at startup, before any volume operation, with the volumes the engine's state says this backend
     * published in an earlier run of the driver. A backend whose materialization dies with the process (a FUSE
     * server, for instance) re-creates it here; one backed by the kernel usually has nothing to do.
     */
    default void resume(List<PublishRequest> published) {}

    /** What is at {@code targetPath} now, from this backend's point of view. Never follows a symlink. */
    TargetState inspect(Path targetPath);

    /**
     * Publishes the volume. On entry the target is an empty directory created by the engine (or left by an
     * earlier attempt) and {@link #inspect} reported {@link TargetState#ABSENT}, or {@link #inspect} reported
     * {@link TargetState#BROKEN} and the publication is to be repaired in place. On failure, leave nothing
     * behind: no half-made publication, and (for a backend that enforces read-only) never a writable one.
     */
    void publish(PublishRequest request);

    /** Takes the publication away. Must succeed when there is nothing to take away. */
    void unpublish(UnpublishRequest request);

    /** The condition of a published volume, for {@code NodeGetVolumeStats}. */
    VolumeCondition condition(Path targetPath);

    /**
     * The path whose file system holds a published volume's content, as this process sees it, for the usage
     * {@code NodeGetVolumeStats} reports (statvfs). The target itself unless that would lead elsewhere, e.g. a link
     * to a host path the driver's container does not see.
     */
    default Path contentPath(Path targetPath) {
        return targetPath;
    }

    /** Whether the backend can serve publishes now; feeds the CSI {@code Probe}. */
    Health health();

    /** Releases process resources at driver shutdown. Must not unpublish anything: pods keep their volumes. */
    @Override
    default void close() {}
}
