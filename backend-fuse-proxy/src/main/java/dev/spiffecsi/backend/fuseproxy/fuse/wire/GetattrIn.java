package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_getattr_in} (16 bytes): getattr_flags u32, dummy u32, fh u64. fstat(2) on an open regular
 * file sets FUSE_GETATTR_FH and names the handle.
 */
public record GetattrIn(long handle) {

    static final int SIZE = 16;
    private static final int FUSE_GETATTR_FH = 1;

    /** The handle, 0 when the request names none (or carries no input, as before protocol 7.9). */
    public static GetattrIn decode(ByteBuffer in) {
        if (in.remaining() < SIZE) {
            return new GetattrIn(0);
        }
        int start = in.position();
        return new GetattrIn((in.getInt(start) & FUSE_GETATTR_FH) != 0 ? in.getLong(start + 8) : 0);
    }
}
