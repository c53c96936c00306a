package dev.spiffecsi.engine.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.spiffecsi.spi.MountSyscalls;
import java.io.IOException;
import java.nio.file.Path;

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

    @Override
    public void umount2(Path target, int flags) throws IOException {
        try {
            LibC.INSTANCE.umount2(target.toString(), flags);
        } catch (LastErrorException e) {
            throw errno("umount2", target, e);
        }
    }

    @Override
    public FileStatus stat(Path path) throws IOException {
        try (Memory buffer = new Memory(STATX_SIZE)) {
            buffer.clear();
            LibC.INSTANCE.statx(AT_FDCWD, path.toString(), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
                    STATX_BASIC_STATS | STATX_MNT_ID, buffer);
            long attributes = buffer.getLong(OFF_ATTRIBUTES);
            long attributesMask = buffer.getLong(OFF_ATTRIBUTES_MASK);
            if ((attributesMask & STATX_ATTR_MOUNT_ROOT) == 0) {
                throw new IOException("statx(" + path + "): the kernel does not report STATX_ATTR_MOUNT_ROOT "
                        + "(Linux 5.8 or later is required)");
            }
            int mode = buffer.getShort(OFF_MODE) & 0xffff;
            long device = (Integer.toUnsignedLong(buffer.getInt(OFF_DEV_MAJOR)) << 32)
                    | Integer.toUnsignedLong(buffer.getInt(OFF_DEV_MINOR));
            return new FileStatus(mode, device, buffer.getLong(OFF_INO), buffer.getLong(OFF_MNT_ID),
                    (attributes & STATX_ATTR_MOUNT_ROOT) != 0);
        } catch (LastErrorException e) {
            throw errno("statx", path, e);
        }
    }

    static ErrnoException errno(String call, Path path, LastErrorException e) {
        int code = e.getErrorCode();
        return new ErrnoException(call, path, code, LibC.INSTANCE.strerror(code));
    }
}
