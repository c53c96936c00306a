package dev.spiffecsi.backend.fuseproxy.fuse;

import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * {@code struct fuse_attr} (88 bytes): what stat(2) shows. Size and blocks are always 0 (no node holds data),
 * rdev and flags 0 (no device nodes, no submounts, no DAX).
 *
 * @param ino   the inode number; the FUSE node id, so that it is unique within the mount
 * @param mode  file type and permission bits
 * @param nlink link count
 */
record Attr(long ino, int mode, int nlink, int uid, int gid, Instant atime, Instant mtime, Instant ctime) {

    static final int SIZE = 88;
    /** Reported as st_blksize; the kernel uses it as the preferred I/O size. */
    static final int BLOCK_SIZE = 4096;

    void encode(ByteBuffer out) {
        out.putLong(ino);
        out.putLong(0); // size
        out.putLong(0); // blocks
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
