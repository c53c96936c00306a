package dev.spiffecsi.backend.bindmount;

import static dev.spiffecsi.spi.BackendException.Failure.INTERNAL;
import static dev.spiffecsi.spi.BackendException.Failure.INVALID_REQUEST;
import static dev.spiffecsi.spi.BackendException.Failure.TARGET_OCCUPIED;
import static dev.spiffecsi.spi.BackendException.Failure.UNAVAILABLE;

import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.BusyUnmount;
import dev.spiffecsi.spi.Health;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.MountSyscalls.ErrnoException;
import dev.spiffecsi.spi.MountSyscalls.FileStatus;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.ResolvedTarget;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.VolumeCondition;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Bind-mounts the socket directory onto the target read-only, nosuid, nodev, noexec.
 *
 * <p>The attributes are set on a detached copy of the directory before it is attached (open_tree, mount_setattr,
 * move_mount): the kubelet pods directory is a Bidirectional (shared) mount, so the new mount is copied to the
 * host and into containers the moment it is attached, and only attributes it already has are copied. A MS_BIND
 * followed by a read-only MS_REMOUNT would make only the driver's own copy read-only. On kernels without the
 * new mount API (before 5.12) the backend falls back to MS_BIND plus MS_REMOUNT, says so once, and relies on the
 * pod's {@code readOnly} for the copies; if the remount fails the bind is undone, never left writable.
 *
 * <p>Publish and unpublish act on the target through its parent, resolved beneath the kubelet pods directory without
 * following a symlink ({@link MountSyscalls#resolveBeneath}), and mount onto the target's own descriptor: no
 * component swapped for a symlink after the engine checked the path can redirect a mount or an unmount.
 */
final class BindMountBackend implements Backend {

    private static final long READ_ONLY_REMOUNT = MountSyscalls.MS_BIND
            | MountSyscalls.MS_REMOUNT
            | MountSyscalls.MS_RDONLY
            | MountSyscalls.MS_NOSUID
            | MountSyscalls.MS_NODEV
            | MountSyscalls.MS_NOEXEC;
    private static final long READ_ONLY_ATTRIBUTES = MountSyscalls.MOUNT_ATTR_RDONLY
            | MountSyscalls.MOUNT_ATTR_NOSUID
            | MountSyscalls.MOUNT_ATTR_NODEV
            | MountSyscalls.MOUNT_ATTR_NOEXEC;
    private static final long READ_ONLY_FLAGS =
            MountSyscalls.ST_RDONLY | MountSyscalls.ST_NOSUID | MountSyscalls.ST_NODEV | MountSyscalls.ST_NOEXEC;
    /** Bound on stacked mounts removed in one unpublish (leftovers of drivers without idempotent publish). */
    private static final int MAX_STACKED_MOUNTS = 64;

    private final Path socketDir;
    private final Path podsDir;
    private final MountSyscalls mounts;
    private final Duration busyTimeout;
    private final System.Logger log;
    private volatile boolean newMountApi = true;

    BindMountBackend(Path socketDir, Path podsDir, MountSyscalls mounts, Duration busyTimeout, System.Logger log) {
        this.socketDir = socketDir;
        this.podsDir = podsDir;
        this.mounts = mounts;
        this.busyTimeout = busyTimeout;
        this.log = log;
    }

    @Override
    public TargetState inspect(Path target) {
        return state(target, statOrNull(target), true);
    }

    /**
     * What {@code status} (the target's, or null when it does not exist) says is at {@code target}. A directory that
     * is no mount is ABSENT when empty, FOREIGN otherwise; {@code listPlainDirectory} false skips the listing, where
     * the caller knows it is empty: the engine creates the target empty and holds its lock before a publish.
     */
    private TargetState state(Path target, FileStatus status, boolean listPlainDirectory) {
        if (status == null) {
            return TargetState.ABSENT;
        }
        if (!status.isDirectory()) {
            return TargetState.FOREIGN;
        }
        if (status.mountRoot()) {
            if (!isBindOfTheSocketDirectory(status)) {
                return TargetState.FOREIGN;
            }
            // ours, but writable or with suid/devices/exec (e.g. left by spiffe-csi, which mounts read-write)
            return (mountFlags(target) & READ_ONLY_FLAGS) == READ_ONLY_FLAGS
                    ? TargetState.PUBLISHED
                    : TargetState.BROKEN;
        }
        return !listPlainDirectory || isEmptyDirectory(target) ? TargetState.ABSENT : TargetState.FOREIGN;
    }

    /** Whether a mount root is the socket directory's: the same file (device and inode) as the source. */
    private boolean isBindOfTheSocketDirectory(FileStatus mountRoot) {
        FileStatus source = statOrNull(socketDir);
        return source != null && source.sameFileAs(mountRoot);
    }

    /**
     * Binds the agent's socket directory as it is. A volume mount group (the pod's fsGroup, which the kubelet sends
     * and then applies no more itself) is ignored, said at debug level: the directory and the socket are the
     * agent's, shared by every pod of the node, and their owner and mode are never changed for one pod.
     */
    @Override
    public void publish(PublishRequest request) {
        // serves the agent's socket directory as it is: no volume attribute changes what a pod gets
        request.requireOnlyAttributes(Set.of(), BindMountProvider.NAME);
        Path target = request.targetPath();
        request.volumeMountGroup()
                .ifPresent(group -> log.log(
                        System.Logger.Level.DEBUG,
                        () -> "volume "
                                + request.volumeId() + " at " + target + ": volume mount group " + group
                                + " ignored: the agent's "
                                + "socket directory is bound as it is"));
        try (ResolvedTarget resolved = mounts.resolveTarget(podsDir, target)
                .orElseThrow(() -> new BackendException(
                        INVALID_REQUEST, "the parent directory of " + target + " does not exist"))) {
            publish(resolved);
        }
    }

    private void publish(ResolvedTarget target) {
        Path entry = target.entry();
        // one statx, no listing: the engine made the target an empty directory and holds its lock (the SPI's
        // contract); a mount over content would hide it, which the engine has ruled out
        TargetState state = state(entry, statOrNull(entry), false);
        if (state == TargetState.PUBLISHED) {
            return;
        }
        if (state == TargetState.FOREIGN) {
            throw new BackendException(TARGET_OCCUPIED, target.path() + " holds something this driver did not mount");
        }
        if (state == TargetState.BROKEN) {
            unmountAll(target); // a writable bind of ours: replace it, so that every propagated copy is read-only
        }
        Health health = health();
        if (!health.ready()) {
            // a bind of a deleted directory would give the pod an empty directory that never gets a socket
            throw new BackendException(UNAVAILABLE, health.message());
        }
        if (newMountApi) {
            try {
                mounts.bindWithAttributes(socketDir, target, READ_ONLY_ATTRIBUTES);
                return;
            } catch (ErrnoException e) {
                if (e.errno() != MountSyscalls.ENOSYS) {
                    throw new BackendException(
                            INTERNAL,
                            "cannot bind-mount " + socketDir + " read-only onto " + target.path() + ": "
                                    + e.getMessage(),
                            e);
                }
                newMountApi = false;
                log.log(
                        System.Logger.Level.WARNING,
                        "this kernel has no mount_setattr (Linux < 5.12): bind mounts "
                                + "are made read-only after they are attached, so the copies that mount propagation makes "
                                + "(on the host, in pods) are not; the pods' readOnly is their only protection");
            } catch (IOException e) {
                throw new BackendException(
                        INTERNAL,
                        "cannot bind-mount " + socketDir + " read-only onto " + target.path() + ": " + e.getMessage(),
                        e);
            }
        }
        bindThenRemountReadOnly(target);
    }

    /** mount(2) follows a final symlink: both calls go through descriptors of the target, never its name. */
    private void bindThenRemountReadOnly(ResolvedTarget target) {
        try {
            mounts.mount(socketDir.toString(), target.openDirectory(), null, MountSyscalls.MS_BIND, null);
        } catch (IOException e) {
            throw new BackendException(
                    INTERNAL, "cannot bind-mount " + socketDir + " onto " + target.path() + ": " + e.getMessage(), e);
        }
        try {
            // opened anew: the root of the bind just made
            mounts.mount(null, target.openDirectory(), null, READ_ONLY_REMOUNT, null);
        } catch (IOException e) {
            undoWritableBind(target, e);
            throw new BackendException(
                    INTERNAL,
                    "cannot make the bind mount at " + target.path() + " read-only (" + e.getMessage()
                            + "); the bind mount was undone",
                    e);
        }
    }

    private void undoWritableBind(ResolvedTarget target, IOException cause) {
        try {
            mounts.umount2(target.entry(), MountSyscalls.UMOUNT_NOFOLLOW);
        } catch (IOException e) {
            try {
                // a writable view of the agent directory must not survive; detaching is the lesser evil
                mounts.umount2(target.entry(), MountSyscalls.UMOUNT_NOFOLLOW | MountSyscalls.MNT_DETACH);
            } catch (IOException detachFailure) {
                cause.addSuppressed(detachFailure);
                log.log(
                        System.Logger.Level.ERROR,
                        "a writable bind mount may remain at " + target.path() + "; unmount it by hand: "
                                + detachFailure.getMessage());
            }
        }
    }

    /** A target whose parent is gone has nothing to unpublish (the node-reboot case). */
    @Override
    public void unpublish(UnpublishRequest request) {
        Optional<ResolvedTarget> resolved = mounts.resolveTarget(podsDir, request.targetPath());
        if (resolved.isPresent()) {
            try (ResolvedTarget target = resolved.get()) {
                unpublish(target, request.recorded());
            }
        }
    }

    private void unpublish(ResolvedTarget target, boolean recorded) {
        Path entry = target.entry();
        FileStatus status = statOrNull(entry);
        if (status != null && status.mountRoot() && isBindOfTheSocketDirectory(status)) {
            unmountAll(target); // ours, read-only or not: no need to read its flags
            return;
        }
        TargetState state = state(entry, status, true);
        if (state == TargetState.ABSENT) {
            return;
        }
        boolean recordedMount = recorded && status != null && status.mountRoot();
        if (state == TargetState.FOREIGN && !recordedMount) {
            throw new BackendException(
                    TARGET_OCCUPIED,
                    target.path() + " holds a mount or files this driver did not create; not touching it");
        }
        unmountAll(target);
    }

    /**
     * Unmounts this backend's mounts at {@code target}, including any stacked below the first. Once no mount is
     * left, what remains in the directory is the engine's to judge (it removes only an empty one).
     */
    private void unmountAll(ResolvedTarget target) {
        unmountRetryingWhileBusy(target);
        for (int unmounted = 1; ; unmounted++) {
            TargetState after = state(target.entry(), statOrNull(target.entry()), false);
            if (after == TargetState.ABSENT) {
                return;
            }
            if (after == TargetState.FOREIGN) {
                throw new BackendException(
                        TARGET_OCCUPIED,
                        "after unmounting, " + target.path()
                                + " still holds a mount or files this driver did not create; not touching it");
            }
            if (unmounted >= MAX_STACKED_MOUNTS) {
                throw new BackendException(
                        INTERNAL, target.path() + " still has mounts after " + unmounted + " unmounts");
            }
            // another of our mounts was stacked below (spiffe-csi before 0.2.12 republished): remove it too
            unmountRetryingWhileBusy(target);
        }
    }

    /**
     * Through the held parent, without following the final component: nothing swapped in redirects it. Never
     * detaches a mount that stays busy: the kubelet retries an UNAVAILABLE unpublish.
     */
    private void unmountRetryingWhileBusy(ResolvedTarget target) {
        BusyUnmount.Outcome outcome;
        try {
            outcome = BusyUnmount.unmount(mounts, target.entry(), busyTimeout);
        } catch (IOException e) {
            throw new BackendException(INTERNAL, "cannot unmount " + target.path() + ": " + e.getMessage(), e);
        }
        switch (outcome) {
            case UNMOUNTED -> {}
            case STILL_BUSY ->
                throw new BackendException(
                        UNAVAILABLE, target.path() + " is busy (EBUSY) after " + busyTimeout + "; will be retried");
            case INTERRUPTED -> throw new BackendException(UNAVAILABLE, "interrupted while waiting for a busy mount");
        }
    }

    @Override
    public VolumeCondition condition(Path target) {
        return switch (inspect(target)) {
            case ABSENT -> VolumeCondition.abnormal("not mounted: " + target);
            case FOREIGN -> VolumeCondition.abnormal(target + " is not a bind mount of " + socketDir);
            case BROKEN ->
                VolumeCondition.abnormal(target + " is a bind mount of " + socketDir
                        + " that is not read-only, nosuid, nodev, noexec; a republish replaces it");
            case PUBLISHED -> {
                FileStatus shown = statOrNull(target);
                if (shown != null && shown.deleted()) {
                    yield VolumeCondition.abnormal(target + " shows a socket directory that was deleted on the node "
                            + "(the agent recreated it elsewhere); recreate the pod to get the new one");
                }
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
                    // reading an entry is the probe: a dead mount fails here, not at opendir
                    var unused = entries.iterator().hasNext();
                    yield VolumeCondition.healthy("mounted read-only from " + socketDir);
                } catch (IOException e) {
                    yield VolumeCondition.abnormal("cannot read " + target + ": " + e.getMessage());
                }
            }
        };
    }

    @Override
    public Health health() {
        FileStatus source = statOrNull(socketDir);
        if (source == null || !source.isDirectory()) {
            return Health.notReady("the Workload API socket directory " + socketDir
                    + " does not exist yet (is the SPIRE agent running?)");
        }
        if (source.deleted()) {
            return Health.notReady(DELETED.formatted(socketDir));
        }
        return Health.ready("bind-mounting " + socketDir);
    }

    /**
     * The hostPath volume of the driver's container keeps a directory removed on the node, empty, for good; the
     * recreated one is seen only by a new container. Not ready, so that the liveness probe restarts the driver.
     */
    private static final String DELETED = "the Workload API socket directory %s was deleted on the node: this "
            + "container still sees the old, empty one (a hostPath volume keeps it); the driver's container must be "
            + "restarted to see the one the agent recreates";

    private FileStatus statOrNull(Path path) {
        try {
            return mounts.statIfExists(path).orElse(null);
        } catch (IOException e) {
            throw new BackendException(INTERNAL, "cannot stat " + path + ": " + e.getMessage(), e);
        }
    }

    private long mountFlags(Path path) {
        try {
            return mounts.mountFlags(path);
        } catch (ErrnoException e) {
            throw changedUnderneath(path, "statvfs", e);
        } catch (IOException e) {
            throw new BackendException(INTERNAL, "cannot statvfs " + path + ": " + e.getMessage(), e);
        }
    }

    private static boolean isEmptyDirectory(Path directory) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            return !entries.iterator().hasNext();
        } catch (java.nio.file.NoSuchFileException
                | java.nio.file.NotDirectoryException
                | java.nio.file.FileSystemLoopException e) {
            throw new BackendException(
                    UNAVAILABLE,
                    "target_path " + directory + " changed while it was inspected ("
                            + e.getClass().getSimpleName() + "); retry",
                    e);
        } catch (IOException e) {
            throw new BackendException(INTERNAL, "cannot list " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * A path found a moment ago is gone, or is no longer a directory: something else changed the pods directory
     * during the call. Not a host failure: the caller retries, and the next call sees the new state.
     */
    private static BackendException changedUnderneath(Path path, String call, ErrnoException e) {
        int errno = e.errno();
        if (errno == MountSyscalls.ENOENT || errno == MountSyscalls.ENOTDIR || errno == MountSyscalls.ELOOP) {
            return new BackendException(
                    UNAVAILABLE,
                    "target_path " + path + " changed while it was inspected (" + call + ": " + e.getMessage()
                            + "); retry",
                    e);
        }
        return new BackendException(INTERNAL, "cannot " + call + " " + path + ": " + e.getMessage(), e);
    }
}
