package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_read_in} (40 bytes), the input of READDIR.
 *
 * @param offset where to continue: the {@code off} of the last entry the kernel consumed, 0 at the start
 * @param size   the most bytes of entries the reply may carry
 */
public record ReadIn(long offset, int size) {

    public static final int SIZE = 40;

    public static ReadIn decode(ByteBuffer in) {
        int start = in.position();
        ReadIn decoded = new ReadIn(in.getLong(start + 8), in.getInt(start + 16));
        in.position(start + SIZE);
        return decoded;
    }
}
