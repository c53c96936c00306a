package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_open_out} (16 bytes), the reply to OPENDIR and OPEN. A directory's handle is always 0: READDIR
 * lists the root from the offset alone, so there is no per-open state to find again.
 */
public final class OpenOut {

    public static final int SIZE = 16;
    /**
     * Reads bypass the page cache, each one a request to this server: the kernel keeps no copy of a file's content
     * (a key must not linger in the page cache), and every open reads its own snapshot, never pages cached from an
     * earlier rotation.
     */
    public static final int FOPEN_DIRECT_IO = 1;

    private OpenOut() {}

    /** A directory's: no handle, no FOPEN_* behaviour. */
    public static void encode(ByteBuffer out) {
        encode(out, 0, 0);
    }

    public static void encode(ByteBuffer out, long handle, int openFlags) {
        out.putLong(handle);
        out.putInt(openFlags);
        out.putInt(0); // backing_id (7.40+; padding before)
    }
}
