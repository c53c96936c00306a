package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;

/**
 * The handle-carrying structs of file operations: {@code struct fuse_read_in} (READ), {@code struct
 * fuse_release_in} (RELEASE), {@code struct fuse_flush_in} (FLUSH) all start with the u64 file handle, and the read
 * has its offset and size after it.
 */
public record FileReadIn(long handle, long offset, int size) {

    /** READ: fh u64, offset u64, size u32. */
    public static FileReadIn decodeRead(ByteBuffer in) {
        int start = in.position();
        return new FileReadIn(in.getLong(start), in.getLong(start + 8), in.getInt(start + 16));
    }

    /** RELEASE and FLUSH: the handle alone. */
    public static long decodeHandle(ByteBuffer in) {
        return in.getLong(in.position());
    }
}
