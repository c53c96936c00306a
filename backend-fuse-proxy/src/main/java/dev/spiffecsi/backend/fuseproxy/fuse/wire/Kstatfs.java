package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_kstatfs} (80 bytes), the reply to STATFS. No blocks: nothing here stores data.
 *
 * @param files the inodes in use
 * @param free  the inodes that can still be created
 */
public record Kstatfs(long files, long free) {

    public static final int SIZE = 80;
    public static final int NAME_MAX = 255;

    public void encode(ByteBuffer out) {
        int start = out.position();
        out.putLong(0); // blocks
        out.putLong(0); // bfree
        out.putLong(0); // bavail
        out.putLong(files);
        out.putLong(free);
        out.putInt(Attr.BLOCK_SIZE); // bsize
        out.putInt(NAME_MAX); // namelen
        out.putInt(Attr.BLOCK_SIZE); // frsize
        while (out.position() < start + SIZE) { // padding, spare[6]
            out.put((byte) 0);
        }
    }
}
