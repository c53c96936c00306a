package dev.spiffecsi.backend.symlinkdev;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.BackendException.Failure;
import dev.spiffecsi.spi.Health;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.ResolvedTarget;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.VolumeCondition;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * Publishes a volume by replacing the engine's empty target directory with a symbolic link to the agent socket
 * directory. The container runtime follows the link when it bind-mounts the volume into the pod, so the driver
 * mounts nothing itself: no CAP_SYS_ADMIN, no Bidirectional mount propagation. The price is that nothing in the
 * kernel keeps the volume read-only, so a publish that does not ask for read-only is refused.
 *
 * <p>Nothing here follows the target: a link is ours exactly when its text is the host socket directory, or, for an
 * unpublish the engine has a record of, when it is any link at all; anything else at the target is left alone. The
 * backend holds no mutable state, so it is thread-safe.
 *
 * <p>Publish and unpublish go through the target's parent, resolved beneath the kubelet pods directory without
 * following a symlink ({@link MountSyscalls#resolveBeneath}; the engine's binding, though this backend mounts nothing):
 * a parent swapped for a symlink after the engine checked the path cannot move the link, or the directory it
 * replaces, out of the pods directory.
 */
final class SymlinkDevBackend implements Backend {

    /** The mode the engine creates target directories with; used to put one back after a failed swap. */
    private static final FileAttribute<Set<PosixFilePermission>> TARGET_DIRECTORY_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---"));

    /** The link text: the agent socket directory as the container runtime on the host resolves it. */
    private final Path hostSocketDir;
    /** The same directory as this process sees it. */
    private final Path driverSocketDir;

    private final Path podsDir;
    private final MountSyscalls syscalls;
    private final System.Logger log;

    SymlinkDevBackend(
            Path hostSocketDir, Path driverSocketDir, Path podsDir, MountSyscalls syscalls, System.Logger log) {
        this.hostSocketDir = hostSocketDir;
        this.driverSocketDir = driverSocketDir;
        this.podsDir = podsDir;
        this.syscalls = syscalls;
        this.log = log;
    }

    @Override
    public TargetState inspect(Path targetPath) {
        return inspect(targetPath, targetPath.getParent(), targetPath);
    }

    /**
     * @param entry  the target, as a path to look at
     * @param parent its parent directory, as a path to look at
     * @param shown  the target, for messages
     */
    private TargetState inspect(Path entry, Path parent, Path shown) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(entry, BasicFileAttributes.class, NOFOLLOW_LINKS);
            if (attributes.isSymbolicLink()) {
                return Files.readSymbolicLink(entry).equals(hostSocketDir)
                        ? TargetState.PUBLISHED
                        : TargetState.FOREIGN;
            }
            return attributes.isDirectory() && isEmptyPlainDirectory(entry, parent)
                    ? TargetState.ABSENT
                    : TargetState.FOREIGN;
        } catch (NoSuchFileException e) {
            return TargetState.ABSENT;
        } catch (IOException e) {
            throw internal("cannot inspect " + shown, e);
        }
    }

    private TargetState inspect(ResolvedTarget target) {
        return inspect(target.entry(), target.parent(), target.path());
    }

    /**
     * Links the target to the agent's socket directory. A volume mount group (the pod's fsGroup, which the kubelet
     * sends and then applies no more itself) is ignored, said at debug level: the directory and the socket are the
     * agent's, shared by every pod of the node, and their owner and mode are never changed for one pod.
     */
    @Override
    public void publish(PublishRequest request) {
        // a link to the agent's socket directory: no volume attribute changes what a pod gets
        request.requireOnlyAttributes(Set.of(), SymlinkDevProvider.NAME);
        Path target = request.targetPath();
        request.volumeMountGroup()
                .ifPresent(group -> log.log(
                        System.Logger.Level.DEBUG,
                        () -> "volume "
                                + request.volumeId() + " at " + target + ": volume mount group " + group
                                + " ignored: the link "
                                + "leads to the agent's socket directory as it is"));
        if (!request.readOnly()) {
            throw new BackendException(
                    Failure.INVALID_REQUEST,
                    SymlinkDevProvider.NAME
                            + " refuses a volume with readonly=false: a symbolic link cannot be made read-only by the kernel;"
                            + " the pod must set csi.readOnly: true on the volume");
        }
        try (ResolvedTarget resolved = syscalls.resolveTarget(podsDir, target)
                .orElseThrow(() -> new BackendException(
                        Failure.INVALID_REQUEST, "the parent directory of " + target + " does not exist"))) {
            // a switch expression, so that the compiler insists on every state
            boolean link = switch (inspect(resolved)) {
                case PUBLISHED -> false; // a republish: the link is already in place
                // inspect never reports BROKEN here (a dangling link of ours is PUBLISHED); should it, leave it alone
                case FOREIGN, BROKEN -> throw occupied(target);
                case ABSENT -> true;
            };
            if (link) {
                requireDriverSocketDir();
                replaceDirectoryWithLink(resolved);
            }
        }
    }

    /**
     * A link the engine recorded as published by this backend is removed whatever its text: the host socket
     * directory may have been reconfigured since, and refusing would leave the pod stuck. The link is deleted, never
     * followed. Anything that is not a link stays refused, recorded or not.
     */
    @Override
    public void unpublish(UnpublishRequest request) {
        Path target = request.targetPath();
        Optional<ResolvedTarget> found = syscalls.resolveTarget(podsDir, target);
        if (found.isEmpty()) {
            return; // the parent is gone, and the target with it
        }
        try (ResolvedTarget resolved = found.get()) {
            // a switch expression, so that the compiler insists on every state
            boolean delete = switch (inspect(resolved)) {
                case ABSENT -> false; // nothing of ours; the engine removes the directory
                case PUBLISHED -> true;
                // inspect never reports BROKEN here (a dangling link of ours is PUBLISHED); treat it like FOREIGN
                case FOREIGN, BROKEN -> {
                    if (request.recorded() && Files.isSymbolicLink(resolved.entry())) {
                        yield true; // ours by the engine's record, whatever the link's text
                    }
                    throw occupied(target);
                }
            };
            if (delete) {
                deleteLink(resolved);
            }
        }
    }

    @Override
    public VolumeCondition condition(Path targetPath) {
        return switch (inspect(targetPath)) {
            case ABSENT -> VolumeCondition.abnormal("nothing is published at " + targetPath);
            // inspect never reports BROKEN here: a dangling link of ours is PUBLISHED with an abnormal condition
            case FOREIGN, BROKEN ->
                VolumeCondition.abnormal(targetPath + " is not a link made by " + SymlinkDevProvider.NAME);
            case PUBLISHED -> linkCondition(targetPath);
        };
    }

    @Override
    public Health health() {
        if (!Files.isDirectory(driverSocketDir)) {
            return Health.notReady(
                    "the Workload API socket directory " + driverSocketDir + " is missing or not a directory");
        }
        if (deleted(driverSocketDir)) {
            // the hostPath volume keeps a directory removed on the node; only a new container sees the new one
            return Health.notReady("the Workload API socket directory " + driverSocketDir + " was deleted on the "
                    + "node: this container still sees the old, empty one; the driver's container must be restarted "
                    + "to see the one the agent recreates");
        }
        return Health.ready("the Workload API socket directory " + driverSocketDir + " is present");
    }

    /** Usage is the socket directory's, as the driver sees it: the link leads to a host path it may not see. */
    @Override
    public Path contentPath(Path targetPath) {
        return driverSocketDir;
    }

    /** No link left to it: removed from its file system, reachable only through a mount that holds it. */
    private static boolean deleted(Path directory) {
        try {
            return ((Number) Files.getAttribute(directory, "unix:nlink")).longValue() == 0;
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * An empty directory, and not the root of a mount. An empty file system mounted onto the target looks like an
     * empty directory but has another device than its parent. (A bind mount from the same file system would go
     * unnoticed; telling it apart needs statx, and this backend does without the engine's mount system calls.)
     */
    private static boolean isEmptyPlainDirectory(Path directory, Path parent) throws IOException {
        Object device = Files.getAttribute(directory, "unix:dev", NOFOLLOW_LINKS);
        // the parent followed: a held parent is a /proc/self/fd link to the directory itself
        if (!device.equals(Files.getAttribute(parent, "unix:dev"))) {
            return false;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            return !entries.iterator().hasNext();
        }
    }

    /**
     * A link to a missing directory would only fail later, in the container runtime, with an obscure error and no
     * retry of the publish; failing now as UNAVAILABLE makes the kubelet retry until the agent is up.
     */
    private void requireDriverSocketDir() {
        Health health = health();
        if (!health.ready()) {
            throw new BackendException(Failure.UNAVAILABLE, health.message());
        }
    }

    /**
     * rename(2) cannot put a symlink in place of a directory, so the swap cannot be atomic. Instead: rmdir, which
     * the kernel refuses for a directory that is not empty, so nothing anybody put there can be lost; then the
     * link. Should the link fail, the directory is put back, leaving the target as the engine made it.
     */
    private void replaceDirectoryWithLink(ResolvedTarget target) {
        boolean removedDirectory = removeEmptyDirectory(target);
        try {
            Files.createSymbolicLink(target.entry(), hostSocketDir);
        } catch (IOException e) {
            if (removedDirectory) {
                restoreDirectory(target.entry(), e);
            }
            throw internal("cannot create the link " + target.path() + " -> " + hostSocketDir, e);
        }
    }

    /** Whether there was a directory to remove: the engine creates one, but a missing target is harmless. */
    private static boolean removeEmptyDirectory(ResolvedTarget target) {
        try {
            return Files.deleteIfExists(target.entry());
        } catch (DirectoryNotEmptyException e) {
            throw occupied(target.path()); // something was put there after inspect
        } catch (IOException e) {
            throw internal("cannot remove the empty target directory " + target.path(), e);
        }
    }

    private static void restoreDirectory(Path target, IOException linkFailure) {
        try {
            Files.createDirectory(target, TARGET_DIRECTORY_MODE);
        } catch (IOException e) {
            linkFailure.addSuppressed(e);
        }
    }

    /** Deleting a link's path removes the link itself; the agent's directory is never touched. */
    private static void deleteLink(ResolvedTarget target) {
        try {
            Files.deleteIfExists(target.entry());
        } catch (IOException e) {
            throw internal("cannot remove the link " + target.path(), e);
        }
    }

    /**
     * The link's own text is checked by {@link #inspect}; here, whether it leads anywhere. Following the target
     * only tells something when the host path is also this process's path; otherwise the driver's view of the
     * directory stands in for it.
     */
    private VolumeCondition linkCondition(Path target) {
        if (hostSocketDir.equals(driverSocketDir)) {
            return Files.isDirectory(target)
                    ? VolumeCondition.healthy(target + " -> " + hostSocketDir)
                    : VolumeCondition.abnormal("dangling link: " + target + " -> " + hostSocketDir
                            + ", which is missing or not a directory");
        }
        String checked = "the host path is not visible to the driver, checked its view " + driverSocketDir + " instead";
        return Files.isDirectory(driverSocketDir)
                ? VolumeCondition.healthy(target + " -> " + hostSocketDir + " (" + checked + ")")
                : VolumeCondition.abnormal("dangling link: " + target + " -> " + hostSocketDir + " (" + checked
                        + ", which is missing or not a directory)");
    }

    private static BackendException occupied(Path target) {
        return new BackendException(
                Failure.TARGET_OCCUPIED,
                target + " holds something " + SymlinkDevProvider.NAME + " did not make; leaving it alone");
    }

    private static BackendException internal(String message, IOException cause) {
        return new BackendException(Failure.INTERNAL, message + ": " + cause.getMessage(), cause);
    }
}
