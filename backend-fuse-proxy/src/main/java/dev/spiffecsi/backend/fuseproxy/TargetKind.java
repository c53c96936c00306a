package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.fuse.FuseMount;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.MountSyscalls.ErrnoException;
import dev.spiffecsi.spi.MountSyscalls.FileStatus;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What is at a target, as far as the kernel tells, before asking whether this process serves it. Never follows a
 * symlink.
 */
enum TargetKind {
    MISSING,
    EMPTY_DIRECTORY,
    /**
     * A mount of this driver's filesystem type whose server is gone (stat fails with ENOTCONN): what a driver
     * process that died leaves. It serves nothing, can only be unmounted, and a new mount can be stacked on it.
     */
    ORPHANED_MOUNT,
    /** Anything else: a live mount, a non-empty directory, a file or link, a dead mount of another filesystem. */
    OCCUPIED;

    static TargetKind of(Path target, MountSyscalls mounts) {
        return of(target, target, mounts);
    }

    /**
     * @param entry  the target as a path to look at: itself, or through its held parent
     *               ({@link dev.spiffecsi.spi.ResolvedTarget#entry})
     * @param target the target's own path, to find it in the mount table and for messages
     */
    static TargetKind of(Path entry, Path target, MountSyscalls mounts) {
        FileStatus status;
        try {
            status = mounts.stat(entry);
        } catch (ErrnoException e) {
            if (e.errno() == MountSyscalls.ENOENT) {
                return MISSING;
            }
            if (e.errno() == MountSyscalls.ENOTCONN) {
                return isOurFilesystem(target) ? ORPHANED_MOUNT : OCCUPIED;
            }
            throw cannot("stat", target, e);
        } catch (IOException e) {
            throw cannot("stat", target, e);
        }
        if (!status.isDirectory() || status.mountRoot()) {
            return OCCUPIED;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(entry)) {
            return entries.iterator().hasNext() ? OCCUPIED : EMPTY_DIRECTORY;
        } catch (IOException e) {
            throw cannot("list", target, e);
        }
    }

    private static boolean isOurFilesystem(Path target) {
        try {
            return MountTable.fsTypeAt(target).filter(FuseMount.FS_TYPE::equals).isPresent();
        } catch (IOException e) {
            throw cannot("read the mount table for", target, e);
        }
    }

    private static BackendException cannot(String what, Path target, IOException e) {
        return new BackendException(
                BackendException.Failure.INTERNAL, "cannot " + what + " " + target + ": " + e.getMessage(), e);
    }
}
