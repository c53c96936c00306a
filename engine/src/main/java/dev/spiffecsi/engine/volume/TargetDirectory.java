package dev.spiffecsi.engine.volume;

import dev.spiffecsi.engine.os.EmptyDirectory;
import dev.spiffecsi.spi.MountSyscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The target directory's life cycle, which the CSI spec gives to the plugin: created (last component only, mode
 * 0750) before a publish, removed after an unpublish. Never deletes anything with content.
 */
final class TargetDirectory {

    private static final FileAttribute<Set<PosixFilePermission>> MODE_0750 =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---"));

    private TargetDirectory() {
    }

    /** Ensures {@code target} is an empty directory; returns whether it had to be created. */
    static boolean prepare(Path target) {
        try {
            Files.createDirectory(target, MODE_0750);
            return true;
        } catch (NoSuchFileException e) {
            throw new VolumeException(VolumeException.Reason.FAILED_PRECONDITION,
                    "the parent directory of target_path " + target + " does not exist (the kubelet creates it)");
        } catch (java.nio.file.FileAlreadyExistsException e) {
            requireEmptyDirectory(target);
            return false;
        } catch (IOException e) {
            throw new VolumeException(VolumeException.Reason.INTERNAL,
                    "cannot create target_path " + target + ": " + e.getMessage(), e);
        }
    }

    private static void requireEmptyDirectory(Path target) {
        try {
            BasicFileAttributes attributes =
                    Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isDirectory()) {
                throw new VolumeException(VolumeException.Reason.FAILED_PRECONDITION,
                        "target_path " + target + " exists and is not a directory");
            }
            try (var entries = Files.list(target)) {
                if (entries.findAny().isPresent()) {
                    throw new VolumeException(VolumeException.Reason.FAILED_PRECONDITION,
                            "target_path " + target + " is a non-empty directory; refusing to publish over it");
                }
            }
        } catch (IOException e) {
            throw new VolumeException(VolumeException.Reason.INTERNAL,
                    "cannot inspect target_path " + target + ": " + e.getMessage(), e);
        }
    }

    /** Removes {@code target} if it is an empty directory; a missing one is fine. */
    static void remove(Path target) {
        EmptyDirectory.Outcome outcome;
        try {
            outcome = EmptyDirectory.remove(target);
        } catch (MountSyscalls.ErrnoException e) {
            throw new VolumeException(VolumeException.Reason.INTERNAL,
                    "cannot remove target_path " + target + ": " + e.getMessage(), e);
        }
        switch (outcome) {
            case REMOVED, MISSING -> {
                // gone; MISSING is the node-reboot case
            }
            case NOT_A_DIRECTORY -> throw new VolumeException(VolumeException.Reason.FAILED_PRECONDITION,
                    "target_path " + target + " is not a directory after unpublish; left in place");
            case NOT_EMPTY -> throw new VolumeException(VolumeException.Reason.FAILED_PRECONDITION,
                    "target_path " + target + " is not empty after unpublish; left in place");
        }
    }

    /** Removes a directory this operation created, after a failed publish; best effort. */
    static void removeQuietly(Path target) {
        try {
            Files.deleteIfExists(target);
        } catch (IOException ignored) {
            // the failure being reported matters more; a leftover empty directory is harmless
        }
    }
}
