package dev.spiffecsi.engine.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.spiffecsi.spi.MountSyscalls.ErrnoException;
import java.nio.file.Path;

/**
 * What statvfs(3) says of the file system holding a path (following a final symlink, as the kernel does): the
 * usage a CSI node plugin reports for a volume, in bytes and inodes, as the kubelet computes it for its own
 * volumes.
 */
public record FileSystemUsage(
        long totalBytes, long availableBytes, long usedBytes, long totalInodes, long availableInodes, long usedInodes) {

    public static final FileSystemUsage NONE = new FileSystemUsage(0, 0, 0, 0, 0, 0);

    // struct statvfs on LP64 glibc: f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, ...
    private static final int SIZE = 112;
    private static final int OFF_FRSIZE = 8;
    private static final int OFF_BLOCKS = 16;
    private static final int OFF_BFREE = 24;
    private static final int OFF_BAVAIL = 32;
    private static final int OFF_FILES = 40;
    private static final int OFF_FFREE = 48;

    /** statvfs of {@code path}; fails with the errno (ENOTCONN for a FUSE mount whose server is gone). */
    public static FileSystemUsage of(Path path) throws ErrnoException {
        try (Memory buffer = new Memory(SIZE)) {
            buffer.clear();
            LibC.INSTANCE.statvfs(path.toString(), buffer);
            long fragment = buffer.getLong(OFF_FRSIZE);
            long blocks = buffer.getLong(OFF_BLOCKS);
            long free = buffer.getLong(OFF_BFREE);
            long files = buffer.getLong(OFF_FILES);
            long freeFiles = buffer.getLong(OFF_FFREE);
            return new FileSystemUsage(
                    blocks * fragment,
                    buffer.getLong(OFF_BAVAIL) * fragment,
                    Math.max(0, blocks - free) * fragment,
                    files,
                    freeFiles,
                    Math.max(0, files - freeFiles));
        } catch (LastErrorException e) {
            throw JnaMountSyscalls.errno("statvfs", path, e);
        }
    }
}
