package dev.spiffecsi.backend.fuseproxy.fuse;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_open_out} (16 bytes), the reply to OPENDIR. The handle is always 0: READDIR lists the root
 * from the offset alone, so there is no per-open state to find again.
 */
final class OpenOut {

    static final int SIZE = 16;

    private OpenOut() {
    }

    static void encode(ByteBuffer out) {
        out.putLong(0); // fh
        out.putInt(0); // open_flags: no FOPEN_* behaviour requested
        out.putInt(0); // backing_id (7.40+; padding before)
    }
}
