package dev.spiffecsi.backend.fuseproxy;

import static dev.spiffecsi.spi.BackendException.Failure.INTERNAL;
import static dev.spiffecsi.spi.BackendException.Failure.TARGET_OCCUPIED;

import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.ResolvedTarget;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Unpublish's last step: unmounts the orphaned mounts left at a target (one below the other, one per driver restart
 * that stacked a new mount on the last), until the target is an empty directory or gone. Looks and unmounts through
 * the target's held parent ({@link MountSyscalls#resolveTarget}), without following the final component.
 */
final class OrphanedMountRemover {

    /** Bound on the orphaned mounts one unpublish removes (one per driver restart that could not re-serve). */
    private static final int MAX_STACKED_MOUNTS = 16;

    private OrphanedMountRemover() {}

    /**
     * @param unmountedOurs whether this process's own filesystem was just unmounted there, for the message should
     *                      something not ours be found below it
     */
    static void removeAll(Path podsDir, Path target, boolean unmountedOurs, MountSyscalls mounts) {
        Optional<ResolvedTarget> resolved = mounts.resolveTarget(podsDir, target);
        if (resolved.isPresent()) {
            try (ResolvedTarget held = resolved.get()) {
                removeAll(held, unmountedOurs, mounts);
            }
        }
    }

    private static void removeAll(ResolvedTarget resolved, boolean unmountedOurs, MountSyscalls mounts) {
        Path target = resolved.path();
        for (int removed = 0; ; removed++) {
            switch (TargetKind.of(resolved.entry(), target, mounts)) {
                case MISSING, EMPTY_DIRECTORY -> {
                    return;
                }
                case OCCUPIED ->
                    throw new BackendException(
                            TARGET_OCCUPIED,
                            (unmountedOurs || removed > 0 ? "after unmounting this driver's filesystem, " : "") + target
                                    + " holds a mount or files this driver does not serve; not touching it");
                case ORPHANED_MOUNT -> {
                    if (removed >= MAX_STACKED_MOUNTS) {
                        throw new BackendException(
                                INTERNAL, target + " still has orphaned mounts after removing " + removed);
                    }
                    try {
                        // nothing can use a mount without a server; detaching cannot fail for being busy
                        mounts.umount2(resolved.entry(), MountSyscalls.UMOUNT_NOFOLLOW | MountSyscalls.MNT_DETACH);
                    } catch (IOException e) {
                        throw new BackendException(
                                INTERNAL, "cannot unmount the orphaned mount at " + target + ": " + e.getMessage(), e);
                    }
                }
            }
        }
    }
}
