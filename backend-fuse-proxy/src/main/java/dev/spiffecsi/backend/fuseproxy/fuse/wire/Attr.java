package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * {@code struct fuse_attr} (88 bytes): what stat(2) shows. rdev and flags are 0 (no device nodes, no submounts, no
 * DAX).
 *
 * @param ino   the inode number; the FUSE node id, so that it is unique within the mount
 * @param mode  file type and permission bits
 * @param nlink link count
 * @param size  the bytes a read returns: a regular file's length, 0 for the directory and the socket
 */
public record Attr(
        long ino, int mode, int nlink, int uid, int gid, long size, Instant atime, Instant mtime, Instant ctime) {

    static final int SIZE = 88;
    /** Reported as st_blksize; the kernel uses it as the preferred I/O size. */
    static final int BLOCK_SIZE = 4096;

    public void encode(ByteBuffer out) {
        out.putLong(ino);
        out.putLong(size);
        out.putLong((size + 511) / 512); // blocks, in 512-byte units as st_blocks counts them
        out.putLong(atime.getEpochSecond());
        out.putLong(mtime.getEpochSecond());
        out.putLong(ctime.getEpochSecond());
        out.putInt(atime.getNano());
        out.putInt(mtime.getNano());
        out.putInt(ctime.getNano());
        out.putInt(mode);
        out.putInt(nlink);
        out.putInt(uid);
        out.putInt(gid);
        out.putInt(0); // rdev
        out.putInt(BLOCK_SIZE);
        out.putInt(0); // flags
    }
}
