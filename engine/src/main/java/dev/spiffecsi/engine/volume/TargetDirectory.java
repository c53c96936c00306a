package dev.spiffecsi.engine.volume;

import dev.spiffecsi.engine.os.EmptyDirectory;
import dev.spiffecsi.engine.os.OpenedTarget;
import dev.spiffecsi.spi.MountSyscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The target directory's life cycle, which the CSI spec gives to the plugin: created (last component only, mode
 * 0750) before a publish, removed after an unpublish. Both go through the parent the engine resolved beneath the
 * pods directory (mkdirat, unlinkat), and removal is rmdir alone: nothing with content, no file, no symlink is ever
 * deleted.
 */
final class TargetDirectory {

    private static final int MODE_0750 = 0750;

    private TargetDirectory() {}

    /** Ensures the target is an empty directory; returns whether it had to be created. */
    static boolean prepare(OpenedTarget target) {
        try {
            if (target.makeDirectory(MODE_0750)) {
                return true;
            }
        } catch (MountSyscalls.ErrnoException e) {
            if (e.errno() == MountSyscalls.ENOENT) {
                // the held parent was deleted since it was resolved
                throw new VolumeException(
                        VolumeException.Reason.FAILED_PRECONDITION,
                        "the parent directory of " + "target_path " + target.path()
                                + " does not exist (the kubelet creates it)");
            }
            throw new VolumeException(
                    VolumeException.Reason.INTERNAL,
                    "cannot create target_path " + target.path() + ": " + e.getMessage(),
                    e);
        }
        requireEmptyDirectory(target);
        return false;
    }

    private static void requireEmptyDirectory(OpenedTarget target) {
        Path entry = target.entry();
        try {
            BasicFileAttributes attributes =
                    Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isDirectory()) {
                throw new VolumeException(
                        VolumeException.Reason.FAILED_PRECONDITION,
                        "target_path " + target.path() + " exists and is not a directory");
            }
            try (var entries = Files.list(entry)) {
                if (entries.findAny().isPresent()) {
                    throw new VolumeException(
                            VolumeException.Reason.FAILED_PRECONDITION,
                            "target_path " + target.path() + " is a non-empty directory; refusing to publish over it");
                }
            }
        } catch (IOException e) {
            throw new VolumeException(
                    VolumeException.Reason.INTERNAL,
                    "cannot inspect target_path " + target.path() + ": " + e.getMessage(),
                    e);
        }
    }

    /** Removes the target if it is an empty directory; a missing one is fine. */
    static void remove(OpenedTarget target) {
        EmptyDirectory.Outcome outcome;
        try {
            outcome = target.removeEmptyDirectory();
        } catch (MountSyscalls.ErrnoException e) {
            if (e.errno() == MountSyscalls.EBUSY) {
                // something was mounted on the target again after the backend's unmount: the kubelet retries
                throw new VolumeException(
                        VolumeException.Reason.UNAVAILABLE,
                        "target_path " + target.path()
                                + " is still a mount point after unpublish (something mounted it again); retry",
                        e);
            }
            throw new VolumeException(
                    VolumeException.Reason.INTERNAL,
                    "cannot remove target_path " + target.path() + ": " + e.getMessage(),
                    e);
        }
        switch (outcome) {
            case REMOVED, MISSING -> {
                // gone; MISSING is the node-reboot case
            }
            case NOT_A_DIRECTORY ->
                throw new VolumeException(
                        VolumeException.Reason.FAILED_PRECONDITION,
                        "target_path " + target.path() + " is not a directory after unpublish; left in place");
            case NOT_EMPTY ->
                throw new VolumeException(
                        VolumeException.Reason.FAILED_PRECONDITION,
                        "target_path " + target.path() + " is not empty after unpublish; left in place");
        }
    }

    /**
     * Removes the directory this operation created, after a failed publish; best effort, and rmdir alone: whatever
     * the failed publish left in it, or put in its place, stays.
     */
    static void removeQuietly(OpenedTarget target) {
        try {
            target.removeEmptyDirectory();
        } catch (MountSyscalls.ErrnoException ignored) {
            // the failure being reported matters more; a leftover empty directory is harmless
        }
    }
}
