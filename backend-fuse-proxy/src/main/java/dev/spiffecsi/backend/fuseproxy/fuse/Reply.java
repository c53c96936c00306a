package dev.spiffecsi.backend.fuseproxy.fuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The reply being built: {@code struct fuse_out_header} (len u32, error i32, unique u64), then on success the
 * operation's output. A reply goes to the device in one write(2), so it is assembled whole in one buffer.
 * Confined to one thread.
 */
final class Reply {

    static final int HEADER_SIZE = 16;
    /**
     * Ample for every reply but a READ: a READDIR of ".", "..", the socket and a few file names. A larger READ reply
     * grows the buffer to what the largest file needs.
     */
    static final int CAPACITY = 4096;

    private ByteBuffer buffer = ByteBuffer.allocateDirect(CAPACITY).order(ByteOrder.nativeOrder());

    /** Starts a reply; the returned buffer takes the output struct(s) at its position. */
    ByteBuffer begin() {
        return begin(0);
    }

    /** Starts a reply whose output takes up to {@code payload} bytes more than the usual structs. */
    ByteBuffer begin(int payload) {
        if (HEADER_SIZE + payload > buffer.capacity()) {
            wipe(buffer.capacity());
            buffer = ByteBuffer.allocateDirect(Integer.highestOneBit(HEADER_SIZE + payload) << 1)
                    .order(ByteOrder.nativeOrder());
        }
        buffer.clear();
        buffer.position(HEADER_SIZE);
        return buffer;
    }

    /** Overwrites the last reply with zeros: it carried a key or a token. */
    void wipe() {
        wipe(buffer.limit());
    }

    private void wipe(int length) {
        for (int i = 0; i < length; i++) {
            buffer.put(i, (byte) 0);
        }
    }

    /** Completes the reply begun with {@link #begin}: the bytes to write. */
    ByteBuffer success(long unique) {
        return header(buffer.position(), 0, unique);
    }

    /** An error reply, header only: the kernel fails the caller's system call with {@code errno}. */
    ByteBuffer error(long unique, int errno) {
        return header(HEADER_SIZE, -errno, unique);
    }

    private ByteBuffer header(int length, int error, long unique) {
        buffer.putInt(0, length).putInt(4, error).putLong(8, unique);
        return buffer.limit(length).position(0);
    }
}
