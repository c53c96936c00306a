package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;

/**
 * One {@code struct fuse_dirent} of a READDIR reply: ino u64, off u64, namelen u32, type u32, then the name
 * (not NUL-terminated), padded with zeros to a multiple of 8 bytes (FUSE_DIRENT_ALIGN).
 *
 * @param type the d_type: DT_DIR, DT_REG or DT_SOCK
 */
@SuppressWarnings("ArrayRecordComponent") // encoded into a reply as it is, never compared
public record Dirent(long ino, int type, byte[] name) {

    public static final int DT_DIR = 4;
    public static final int DT_REG = 8;
    public static final int DT_SOCK = 12;
    private static final int NAME_OFFSET = 24;

    /** The bytes this entry takes in a reply, padding included. */
    public int size() {
        return (NAME_OFFSET + name.length + 7) & ~7;
    }

    /**
     * @param nextOffset the {@code off} field: the offset the kernel passes back to continue after this entry
     */
    public void encode(ByteBuffer out, long nextOffset) {
        int end = out.position() + size();
        out.putLong(ino);
        out.putLong(nextOffset);
        out.putInt(name.length);
        out.putInt(type);
        out.put(name);
        while (out.position() < end) {
            out.put((byte) 0);
        }
    }
}
