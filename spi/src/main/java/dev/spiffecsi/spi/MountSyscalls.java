package dev.spiffecsi.spi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Linux mount system calls, provided by the engine so that backends share one audited native binding for
 * mounting. Failures are {@link ErrnoException}s carrying the errno.
 *
 * <p><b>Stability:</b> provided by the engine ({@link EngineContext#mounts()}), not implemented by backends outside
 * their tests, and the part of the SPI most likely to change before 1.0: calls are added as backends need them,
 * and its constants and errno types (Linux's, kept here so that the SPI stays JDK-only) may be renamed or move to
 * an artifact of their own. A third-party backend should call {@link #resolveTarget} for every target and only
 * the calls it needs; it is not part of what the package promises to keep.
 *
 * @since 0.1
 */
public interface MountSyscalls {

    // mount(2) flags, from <sys/mount.h>
    long MS_RDONLY = 1L;
    long MS_NOSUID = 2L;
    long MS_NODEV = 4L;
    long MS_NOEXEC = 8L;
    long MS_REMOUNT = 32L;
    long MS_BIND = 4096L;
    long MS_REC = 16384L;
    long MS_PRIVATE = 1L << 18;
    long MS_SHARED = 1L << 20;

    // mount_setattr(2) attributes, from <linux/mount.h>
    long MOUNT_ATTR_RDONLY = 0x1L;
    long MOUNT_ATTR_NOSUID = 0x2L;
    long MOUNT_ATTR_NODEV = 0x4L;
    long MOUNT_ATTR_NOEXEC = 0x8L;

    // statvfs(3) f_flag bits, from <sys/statvfs.h>
    long ST_RDONLY = 1L;
    long ST_NOSUID = 2L;
    long ST_NODEV = 4L;
    long ST_NOEXEC = 8L;

    // umount2(2) flags
    int MNT_FORCE = 1;
    int MNT_DETACH = 2;
    int UMOUNT_NOFOLLOW = 8;

    // errno values the backends care about
    int EPERM = 1;
    int ENOENT = 2;
    int EBUSY = 16;
    int EXDEV = 18;
    int ENOTDIR = 20;
    int EINVAL = 22;
    int EROFS = 30;
    int ENOSYS = 38;
    int ELOOP = 40;
    int ENOTCONN = 107;

    /** mount(2). {@code source}, {@code fsType} and {@code data} may be null. */
    void mount(String source, Path target, String fsType, long flags, String data) throws IOException;

    /**
     * Bind-mounts {@code source} at {@code target} with the mount {@code attributes} (MOUNT_ATTR_*) set before
     * the mount is attached: open_tree(OPEN_TREE_CLONE), mount_setattr(2) on the detached copy, move_mount(2).
     * Unlike MS_BIND followed by a MS_REMOUNT, every copy that mount propagation makes of the new mount (through
     * a Bidirectional kubelet pods mount to the host and into containers) has the attributes too, because they
     * are copied from a mount that already has them.
     *
     * @throws ErrnoException with {@link #ENOSYS} on kernels before 5.12
     */
    void bindWithAttributes(Path source, Path target, long attributes) throws IOException;

    /**
     * {@link #bindWithAttributes(Path, Path, long)} onto the directory {@code target} resolves to, by its descriptor
     * (move_mount(2) with MOVE_MOUNT_T_EMPTY_PATH): no name is looked up again between resolving and mounting.
     * Opens the target with {@link ResolvedTarget#openDirectory()}.
     *
     * @throws ErrnoException with {@link #ENOSYS} on kernels before 5.12; ENOTDIR if the target is not a directory
     */
    void bindWithAttributes(Path source, ResolvedTarget target, long attributes) throws IOException;

    /**
     * Resolves {@code target}, a path strictly below {@code root}, without following any symlink below
     * {@code root} and without leaving it (openat2(2) with RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS and
     * RESOLVE_NO_MAGICLINKS; where the kernel or a seccomp filter refuses openat2, a walk that opens one component at
     * a time with O_NOFOLLOW). Mount points below {@code root} may be crossed. {@code root} itself is trusted
     * configuration and opened as it is (a symlink in it is followed). The parent is held open; the target itself
     * need not exist.
     *
     * @throws ErrnoException ELOOP if a component below {@code root} is a symlink, ENOTDIR if one is not a
     *                        directory, ENOENT if the parent is missing
     * @throws IllegalArgumentException if {@code target} is not normalized and strictly below {@code root}
     */
    ResolvedTarget resolveBeneath(Path root, Path target) throws IOException;

    /**
     * {@link #resolveBeneath} with its failures as a backend answers them: empty when the target's parent does not
     * exist (the kubelet has not made it, or it is gone); a path through a symlink or a non-directory below
     * {@code root} (put there after the engine checked it) is {@link BackendException.Failure#INVALID_REQUEST};
     * anything else {@link BackendException.Failure#INTERNAL}.
     */
    default Optional<ResolvedTarget> resolveTarget(Path root, Path target) {
        try {
            return Optional.of(resolveBeneath(root, target));
        } catch (ErrnoException e) {
            if (e.errno() == ENOENT) {
                return Optional.empty();
            }
            if (e.errno() == ELOOP || e.errno() == ENOTDIR) {
                throw new BackendException(
                        BackendException.Failure.INVALID_REQUEST,
                        target + " passes through a "
                                + "symlink or a non-directory below the kubelet pods directory " + root
                                + "; refusing to follow it",
                        e);
            }
            throw new BackendException(
                    BackendException.Failure.INTERNAL, "cannot resolve " + target + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BackendException(
                    BackendException.Failure.INTERNAL, "cannot resolve " + target + ": " + e.getMessage(), e);
        }
    }

    /** The mount flags (ST_*) of the mount {@code path} is on, from statvfs(3). */
    long mountFlags(Path path) throws IOException;

    /** umount2(2); callers normally pass {@link #UMOUNT_NOFOLLOW}. */
    void umount2(Path target, int flags) throws IOException;

    /**
     * statx(2) of {@code path} without following a final symlink. Answers whether {@code path} is the root of a
     * mount without reading the mount table (a bind mount of a directory on the same filesystem has the same
     * device and inode as its source, so stat comparisons cannot tell).
     */
    FileStatus stat(Path path) throws IOException;

    /**
     * {@link #stat}, with a missing {@code path} (ENOENT) as an empty result instead of an exception: the common
     * case on a publish path (an absent target), where building exceptions with stack traces costs more than the
     * system call. Implementations should override this default.
     */
    default java.util.Optional<FileStatus> statIfExists(Path path) throws IOException {
        try {
            return java.util.Optional.of(stat(path));
        } catch (ErrnoException e) {
            if (e.errno() == ENOENT) {
                return java.util.Optional.empty();
            }
            throw e;
        }
    }

    /**
     * The result of {@link #stat}.
     *
     * @param mode      st_mode (file type and permission bits)
     * @param device    the device id (major/minor combined as in st_dev)
     * @param inode     the inode number
     * @param mountId   the id of the mount the file is on (stx_mnt_id)
     * @param mountRoot whether the path is the root of a mount (STATX_ATTR_MOUNT_ROOT)
     * @param links     the number of hard links (stx_nlink): 0 for a directory that was deleted while a mount, or
     *                  an open file, still holds it
     */
    record FileStatus(int mode, long device, long inode, long mountId, boolean mountRoot, long links) {
        private static final int S_IFMT = 0170000;

        public boolean isDirectory() {
            return (mode & S_IFMT) == 0040000;
        }

        public boolean isSymlink() {
            return (mode & S_IFMT) == 0120000;
        }

        public boolean isSocket() {
            return (mode & S_IFMT) == 0140000;
        }

        /**
         * Deleted from its file system, and only reachable through a mount or an open file that still holds it: a
         * hostPath volume of a directory that was removed and recreated on the node shows the old, empty one.
         */
        public boolean deleted() {
            return links == 0;
        }

        /** Same file: same device and inode. */
        public boolean sameFileAs(FileStatus other) {
            return device == other.device && inode == other.inode;
        }
    }

    /** A failed system call. */
    final class ErrnoException extends IOException {
        private final int errno;

        public ErrnoException(String call, Path path, int errno, String description) {
            super(call + "(" + path + "): " + description + " (errno " + errno + ")");
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }
}
