package dev.spiffecsi.engine.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.ResolvedTarget;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@link MountSyscalls} over libc through JNA. statx answers "is this a mount root?" in one system call, which
 * keeps the publish path flat however many mounts the node has (no mount table scan).
 */
public final class JnaMountSyscalls implements MountSyscalls {

    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int AT_NO_AUTOMOUNT = 0x800;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int STATX_MNT_ID = 0x1000;
    private static final long STATX_ATTR_MOUNT_ROOT = 0x2000;
    private static final int STATX_SIZE = 256;

    // offsets in struct statx (linux/stat.h)
    private static final int OFF_ATTRIBUTES = 8;
    private static final int OFF_NLINK = 16;
    private static final int OFF_MODE = 28;
    private static final int OFF_INO = 32;
    private static final int OFF_ATTRIBUTES_MASK = 56;
    private static final int OFF_DEV_MAJOR = 136;
    private static final int OFF_DEV_MINOR = 140;
    private static final int OFF_MNT_ID = 144;

    @Override
    public void mount(String source, Path target, String fsType, long flags, String data) throws IOException {
        try {
            LibC.INSTANCE.mount(source, target.toString(), fsType, flags, data);
        } catch (LastErrorException e) {
            throw errno("mount", target, e);
        }
    }

    // the new mount API; these numbers are the same on every architecture
    private static final long SYS_OPEN_TREE = 428;
    private static final long SYS_MOVE_MOUNT = 429;
    private static final long SYS_MOUNT_SETATTR = 442;
    private static final long OPEN_TREE_CLONE = 1;
    private static final long OPEN_TREE_CLOEXEC = 02000000;
    private static final long AT_EMPTY_PATH = 0x1000;
    private static final long MOVE_MOUNT_F_EMPTY_PATH = 0x4;
    private static final long MOVE_MOUNT_T_EMPTY_PATH = 0x40;
    private static final int MOUNT_ATTR_SIZE = 32; // struct mount_attr: attr_set, attr_clr, propagation, userns_fd
    private static final int STATVFS_SIZE = 112;
    private static final int OFF_STATVFS_FLAG = 72; // after f_bsize .. f_fsid, nine 8-byte fields (LP64)

    @Override
    public void bindWithAttributes(Path source, Path target, long attributes) throws IOException {
        bind(source, attributes, target, AT_FDCWD, target.toString(), 0);
    }

    /** Onto the target's own descriptor: move_mount(2) looks no name up, so nothing swapped in can redirect it. */
    @Override
    public void bindWithAttributes(Path source, ResolvedTarget target, long attributes) throws IOException {
        if (!(target instanceof OpenedTarget opened)) {
            throw new IllegalArgumentException("not a target this engine resolved: " + target);
        }
        bind(source, attributes, target.path(), opened.openDirectoryDescriptor(), "", MOVE_MOUNT_T_EMPTY_PATH);
    }

    /**
     * open_tree(OPEN_TREE_CLONE) of {@code source}, mount_setattr(2) on the detached copy, move_mount(2) to
     * {@code toDirfd}/{@code toPath} with {@code toFlags}; {@code target} names the destination in messages.
     */
    private static void bind(Path source, long attributes, Path target, long toDirfd, String toPath, long toFlags)
            throws IOException {
        long tree;
        try {
            // arguments as longs: syscall(2) reads every argument as a long, an int would leave the upper half
            // undefined
            tree = LibC.INSTANCE.syscall(
                    SYS_OPEN_TREE, (long) AT_FDCWD, source.toString(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        } catch (LastErrorException e) {
            throw errno("open_tree", source, e);
        }
        try (Memory attr = new Memory(MOUNT_ATTR_SIZE)) {
            attr.clear();
            attr.setLong(0, attributes);
            LibC.INSTANCE.syscall(SYS_MOUNT_SETATTR, tree, "", AT_EMPTY_PATH, attr, (long) MOUNT_ATTR_SIZE);
            LibC.INSTANCE.syscall(SYS_MOVE_MOUNT, tree, "", toDirfd, toPath, MOVE_MOUNT_F_EMPTY_PATH | toFlags);
        } catch (LastErrorException e) {
            throw errno("mount_setattr/move_mount", target, e);
        } finally {
            DirectLibC.close((int) tree); // a detached tree that was never attached is unmounted here
        }
    }

    @Override
    public ResolvedTarget resolveBeneath(Path root, Path target) throws IOException {
        return BeneathResolver.SYSTEM.resolve(root, target);
    }

    @Override
    public long mountFlags(Path path) throws IOException {
        try (Memory buffer = new Memory(STATVFS_SIZE)) {
            LibC.INSTANCE.statvfs(path.toString(), buffer);
            return buffer.getLong(OFF_STATVFS_FLAG);
        } catch (LastErrorException e) {
            throw errno("statvfs", path, e);
        }
    }

    @Override
    public void umount2(Path target, int flags) throws IOException {
        try {
            LibC.INSTANCE.umount2(target.toString(), flags);
        } catch (LastErrorException e) {
            throw errno("umount2", target, e);
        }
    }

    /** One statx buffer per thread, reused: a publish stats several paths, and each native buffer freed by JNA's
     * cleaner thread is work on the publish path and garbage for it. */
    private static final ThreadLocal<Memory> STATX_BUFFER = ThreadLocal.withInitial(() -> new Memory(STATX_SIZE));

    @Override
    public FileStatus stat(Path path) throws IOException {
        Optional<FileStatus> status = statIfExists(path);
        if (status.isEmpty()) {
            throw new ErrnoException("statx", path, ENOENT, LibC.INSTANCE.strerror(ENOENT));
        }
        return status.get();
    }

    /** statx without an exception for a missing path, the usual answer for a target about to be published. */
    @Override
    public Optional<FileStatus> statIfExists(Path path) throws IOException {
        Memory buffer = STATX_BUFFER.get();
        buffer.clear();
        if (DirectLibC.statx(
                        AT_FDCWD,
                        path.toString(),
                        AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
                        STATX_BASIC_STATS | STATX_MNT_ID,
                        buffer)
                != 0) {
            int errno = Native.getLastError();
            if (errno == ENOENT) {
                return Optional.empty();
            }
            throw new ErrnoException("statx", path, errno, LibC.INSTANCE.strerror(errno));
        }
        long attributes = buffer.getLong(OFF_ATTRIBUTES);
        long attributesMask = buffer.getLong(OFF_ATTRIBUTES_MASK);
        if ((attributesMask & STATX_ATTR_MOUNT_ROOT) == 0) {
            throw new IOException("statx(" + path + "): the kernel does not report STATX_ATTR_MOUNT_ROOT "
                    + "(Linux 5.8 or later is required)");
        }
        int mode = buffer.getShort(OFF_MODE) & 0xffff;
        long device = (Integer.toUnsignedLong(buffer.getInt(OFF_DEV_MAJOR)) << 32)
                | Integer.toUnsignedLong(buffer.getInt(OFF_DEV_MINOR));
        return Optional.of(new FileStatus(
                mode,
                device,
                buffer.getLong(OFF_INO),
                buffer.getLong(OFF_MNT_ID),
                (attributes & STATX_ATTR_MOUNT_ROOT) != 0,
                Integer.toUnsignedLong(buffer.getInt(OFF_NLINK))));
    }

    static ErrnoException errno(String call, Path path, LastErrorException e) {
        int code = e.getErrorCode();
        return new ErrnoException(call, path, code, LibC.INSTANCE.strerror(code));
    }
}
