package dev.spiffecsi.engine.volume;

import dev.spiffecsi.engine.os.FileSystemUsage;
import dev.spiffecsi.engine.os.OpenedTarget;
import dev.spiffecsi.engine.state.StateStore;
import dev.spiffecsi.engine.state.VolumeRecord;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.Health;
import dev.spiffecsi.spi.LogSafe;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.VolumeCondition;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend-independent half of the Node service: validation, locking, idempotency, target directory life
 * cycle and the record of published volumes. Every failure is logged here, once, with volume id and target.
 */
public final class VolumeEngine {

    private static final Logger LOG = LoggerFactory.getLogger(VolumeEngine.class);

    private final RequestValidator validator;
    private final VolumeLocks locks = new VolumeLocks();
    private final StateStore state;
    private final Backend backend;
    private final String backendName;
    private final Clock clock;

    public VolumeEngine(
            RequestValidator validator, StateStore state, Backend backend, String backendName, Clock clock) {
        this.validator = validator;
        this.state = state;
        this.backend = backend;
        this.backendName = backendName;
        this.clock = clock;
    }

    /** Publishes, idempotently: a target already published for the same volume succeeds without a new mount. */
    public void publish(PublishCommand command) {
        PublishRequest request =
                logged("publish", command.volumeId(), command.targetPath(), () -> validator.validate(command));
        logged("publish", request.volumeId(), command.targetPath(), () -> {
            try (VolumeLocks.Held ignored = locks.acquire(request.volumeId(), request.targetPath())) {
                doPublish(request);
            }
            return null;
        });
    }

    private void doPublish(PublishRequest request) {
        Path target = request.targetPath();
        Optional<VolumeRecord> existing = state.get(target);
        TargetState found = backend.inspect(target);
        if (existing.isPresent() && !existing.get().volumeId().equals(request.volumeId())) {
            if (found == TargetState.PUBLISHED || found == TargetState.BROKEN) {
                throw new VolumeException(
                        VolumeException.Reason.ALREADY_EXISTS,
                        "target_path " + target + " is already published for volume "
                                + existing.get().volumeId());
            }
            state.remove(target); // a stale record: its volume is gone from the node
        }
        // this volume's own record at the target, if any (another volume's was refused or removed above)
        Optional<VolumeRecord> recorded =
                existing.filter(record -> record.volumeId().equals(request.volumeId()));
        if (recorded.isPresent() && (found == TargetState.PUBLISHED || found == TargetState.BROKEN)) {
            requireCompatible(recorded.get(), request);
        }
        switch (found) {
            case PUBLISHED -> {
                if (recorded.isEmpty()) {
                    // published by an earlier driver without a record (the Go driver keeps none): adopt it
                    state.put(VolumeRecord.of(request, backendName, clock.instant()));
                }
                LOG.debug("volume {} already published at {}", request.volumeId(), target);
            }
            case BROKEN -> {
                backend.publish(request);
                record(request, Optional.empty());
                LOG.info(
                        "volume {} repaired at {} for pod {}",
                        request.volumeId(),
                        target,
                        request.pod().displayName());
            }
            case FOREIGN -> {
                if (recorded.isEmpty()) {
                    throw new VolumeException(
                            VolumeException.Reason.ALREADY_EXISTS,
                            "target_path " + target + " holds something this driver did not publish; not touching it");
                }
                // our record says this volume is here, but the backend no longer recognizes it (e.g. a bind of an
                // agent directory that was deleted and recreated): take the stale publication away, publish anew
                backend.unpublish(new UnpublishRequest(request.volumeId(), target, true));
                publishAfresh(request);
                LOG.info("volume {} republished at {}: the earlier publication was stale", request.volumeId(), target);
            }
            case ABSENT -> publishAfresh(request);
        }
    }

    /**
     * CSI NodePublishVolume: a volume already published at target_path with other arguments is "published but
     * incompatible", ALREADY_EXISTS; answering OK would tell the CO that the new readonly flag or volume attributes
     * are in effect while the old ones still are.
     */
    private static void requireCompatible(VolumeRecord published, PublishRequest request) {
        if (published.readOnly() != request.readOnly()) {
            throw new VolumeException(
                    VolumeException.Reason.ALREADY_EXISTS,
                    "volume " + request.volumeId()
                            + " is already published at target_path " + request.targetPath() + " with readonly="
                            + published.readOnly() + "; unpublish it first");
        }
        if (!published.volumeContext().equals(VolumeRecord.recordedContext(request.volumeContext()))) {
            throw new VolumeException(
                    VolumeException.Reason.ALREADY_EXISTS,
                    "volume " + request.volumeId()
                            + " is already published at target_path " + request.targetPath()
                            + " with another volume_context; unpublish it first");
        }
    }

    /**
     * Creates the target directory in the parent resolved beneath the pods directory, and publishes onto it; a
     * directory this call created is removed again (rmdir alone) if the publish fails.
     */
    private void publishAfresh(PublishRequest request) {
        Path target = request.targetPath();
        try (OpenedTarget opened = validator
                .paths()
                .open("target_path", target)
                .orElseThrow(() -> new VolumeException(
                        VolumeException.Reason.FAILED_PRECONDITION,
                        "the parent directory of " + "target_path " + target
                                + " does not exist (the kubelet creates it)"))) {
            boolean created = TargetDirectory.prepare(opened);
            try {
                backend.publish(request);
            } catch (RuntimeException e) {
                if (created) {
                    TargetDirectory.removeQuietly(opened);
                }
                throw e;
            }
            record(request, created ? Optional.of(opened) : Optional.empty());
        }
        // debug: the per-call log line already says so at info; one line per call keeps storms cheap
        LOG.debug(
                "volume {} published at {} for pod {}",
                request.volumeId(),
                target,
                request.pod().displayName());
    }

    /**
     * Records a volume just published. A volume without its record would never be resumed after a restart nor told
     * apart from a foreign mount, so when the record cannot be written (a full or read-only state directory) the
     * publication is taken back and the call fails as unavailable: the kubelet retries it, and nothing is left
     * mounted that no one will unpublish.
     *
     * @param createdTarget the target directory this call created, held through its resolved parent, to remove again
     */
    private void record(PublishRequest request, Optional<OpenedTarget> createdTarget) {
        try {
            state.put(VolumeRecord.of(request, backendName, clock.instant()));
        } catch (UncheckedIOException e) {
            VolumeException failure = new VolumeException(
                    VolumeException.Reason.UNAVAILABLE,
                    "cannot record volume "
                            + request.volumeId() + " in the state directory ("
                            + e.getCause().getMessage()
                            + "); the publication was taken back, retry when the state directory is writable",
                    e);
            try {
                backend.unpublish(new UnpublishRequest(request.volumeId(), request.targetPath(), true));
                createdTarget.ifPresent(TargetDirectory::removeQuietly);
            } catch (RuntimeException undo) {
                failure.addSuppressed(undo);
                throw new VolumeException(
                        VolumeException.Reason.INTERNAL,
                        "cannot record volume "
                                + request.volumeId() + " in the state directory ("
                                + e.getCause().getMessage()
                                + ") nor take its publication back (" + undo.getMessage() + ")",
                        failure);
            }
            throw failure;
        }
    }

    /** Unpublishes; a target that is missing or not published succeeds (the node-reboot case). */
    public void unpublish(String volumeId, String targetPath) {
        UnpublishRequest request =
                logged("unpublish", volumeId, targetPath, () -> validator.validateUnpublish(volumeId, targetPath));
        logged("unpublish", volumeId, targetPath, () -> {
            try (VolumeLocks.Held ignored = locks.acquire(request.volumeId(), request.targetPath())) {
                doUnpublish(request);
            }
            return null;
        });
    }

    /**
     * The target's parent is resolved beneath the pods directory first and held until the directory is removed
     * through it: a parent swapped for a symlink is refused before the backend is called, and the rmdir cannot
     * land elsewhere. A missing parent is the node-reboot case: nothing to remove.
     */
    private void doUnpublish(UnpublishRequest request) {
        Path target = request.targetPath();
        Optional<VolumeRecord> existing = state.get(target);
        if (existing.isPresent() && !existing.get().volumeId().equals(request.volumeId())) {
            throw new VolumeException(
                    VolumeException.Reason.NOT_FOUND,
                    "volume " + request.volumeId() + " is not published at target_path " + target + " (volume "
                            + existing.get().volumeId() + " is)");
        }
        Optional<OpenedTarget> opened = validator.paths().open("target_path", target);
        try {
            try {
                backend.unpublish(new UnpublishRequest(request.volumeId(), target, existing.isPresent()));
            } catch (BackendException e) {
                if (e.failure() != BackendException.Failure.TARGET_OCCUPIED) {
                    throw e;
                }
                // NodeUnpublishVolume has no "occupied" code in the CSI spec: the target is not in a state to
                // unpublish
                throw new VolumeException(VolumeException.Reason.FAILED_PRECONDITION, e.getMessage(), e);
            }
            opened.ifPresent(TargetDirectory::remove);
        } finally {
            opened.ifPresent(OpenedTarget::close);
        }
        state.remove(target);
        LOG.debug("volume {} unpublished from {}", request.volumeId(), target);
    }

    /**
     * The condition and usage of a published volume. A volume_path that does not hold volume_id (not published
     * there, published for another volume, relative, gone) is NOT_FOUND, decided from the records without touching
     * the path, as the CSI spec's "volume does not exist". When the kernel cannot report usage (an orphaned FUSE
     * mount answers ENOTCONN), the usage is zero and the condition abnormal, so that it still reaches the kubelet.
     */
    public VolumeStats stats(String volumeId, String volumePath) {
        validator.validateStats(volumeId, volumePath);
        return logged("stats", volumeId, volumePath, () -> {
            Optional<VolumeRecord> record =
                    volumePath.startsWith("/") ? state.get(Path.of(volumePath)) : Optional.empty();
            if (record.isEmpty() || !record.get().volumeId().equals(volumeId)) {
                throw new VolumeException(
                        VolumeException.Reason.NOT_FOUND,
                        "volume " + volumeId + " is not published at volume_path " + volumePath);
            }
            Path path = record.get().target();
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                throw new VolumeException(
                        VolumeException.Reason.NOT_FOUND,
                        "volume_path " + path + " of volume " + volumeId + " does not exist");
            }
            VolumeCondition condition = backend.condition(path);
            try {
                return new VolumeStats(condition, FileSystemUsage.of(backend.contentPath(path)));
            } catch (MountSyscalls.ErrnoException e) {
                return new VolumeStats(
                        condition.abnormal()
                                ? condition
                                : VolumeCondition.abnormal(
                                        "the kernel reports no usage for " + path + ": " + e.getMessage()),
                        FileSystemUsage.NONE);
            }
        });
    }

    public Health health() {
        return backend.health();
    }

    /** The number of volumes the engine has published. */
    public int publishedVolumes() {
        return state.size();
    }

    private static <T> T logged(String operation, String volumeId, String target, java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (VolumeException e) {
            logFailure(operation, volumeId, target, e, e.reason() == VolumeException.Reason.INTERNAL);
            throw e;
        } catch (BackendException e) {
            logFailure(operation, volumeId, target, e, e.failure() == BackendException.Failure.INTERNAL);
            throw e;
        } catch (RuntimeException e) {
            logFailure(operation, volumeId, target, e, true);
            throw e;
        }
    }

    /** Every value here may come from a pod spec: bounded and escaped, so that no line can be forged or flood. */
    private static void logFailure(String operation, String volumeId, String target, Exception e, boolean internal) {
        String id = LogSafe.token(volumeId, 1024);
        String path = LogSafe.token(target, 4096);
        String message = LogSafe.text(e.getMessage(), 2048);
        if (internal) {
            LOG.error("{} failed: volume_id={} target_path={}: {}", operation, id, path, message, e);
        } else {
            LOG.warn("{} refused: volume_id={} target_path={}: {}", operation, id, path, message);
        }
    }
}
