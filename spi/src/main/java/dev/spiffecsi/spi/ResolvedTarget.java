package dev.spiffecsi.spi;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A target path resolved once beneath the kubelet pods directory ({@link MountSyscalls#resolveBeneath}): its parent
 * directory is held open, reached without following any symlink, so that a component swapped for a symlink after
 * the engine checked the path cannot redirect what is done with the target. Every path this gives is a
 * {@code /proc/self/fd/<n>} alias of a held descriptor and is valid only until {@link #close}; never keep one.
 *
 * <p>Use {@link #entry()} wherever a path-based call used the target path (stat, list, unmount, unlink, symlink: the
 * final component is looked up in the held parent, followed or not as that call does), and {@link #openDirectory()}
 * for mount(2), which always follows a final symlink.
 *
 * @since 0.1
 */
public interface ResolvedTarget extends AutoCloseable {

    /** The target path as the kubelet named it: for records, logs and messages, never for system calls. */
    Path path();

    /** The held parent directory, as {@code /proc/self/fd/<n>}. */
    Path parent();

    /** The target's final component. */
    String name();

    /** The target through its held parent: {@code parent().resolve(name())}. */
    default Path entry() {
        return parent().resolve(name());
    }

    /**
     * Opens the target as it is now (the root of a mount on it, if there is one) as a directory without following
     * a symlink (O_PATH, O_NOFOLLOW, O_DIRECTORY), and returns {@code /proc/self/fd/<n>}: a path that mount(2)
     * follows to exactly that directory, whatever is done with the name afterwards. Each call opens anew; every
     * descriptor is closed by {@link #close}. An open descriptor keeps the mount it is on busy for umount2(2)
     * without MNT_DETACH: unmount through {@link #entry()}, with {@link MountSyscalls#UMOUNT_NOFOLLOW}.
     *
     * @throws MountSyscalls.ErrnoException ENOENT if missing, ENOTDIR if it is a symlink or not a directory
     */
    Path openDirectory() throws IOException;

    /** Closes every descriptor; the paths given out no longer name anything. Idempotent. */
    @Override
    void close();
}
