package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_init_out} (64 bytes since 7.23; later fields took reserved words without changing the size).
 * Fields left zero keep the kernel's defaults: max_background, congestion_threshold, max_pages, map_alignment,
 * flags2, max_stack_depth, request_timeout.
 *
 * @param flags    the capabilities the server asks for, a subset of the kernel's
 * @param maxWrite the largest WRITE payload the server accepts; the kernel rejects device reads smaller than it
 *                 plus the headers
 * @param timeGran timestamp granularity in nanoseconds
 */
public record InitOut(int major, int minor, int maxReadahead, int flags, int maxWrite, int timeGran) {

    public static final int SIZE = 64;

    public void encode(ByteBuffer out) {
        int start = out.position();
        out.putInt(major);
        out.putInt(minor);
        out.putInt(maxReadahead);
        out.putInt(flags);
        out.putShort((short) 0); // max_background
        out.putShort((short) 0); // congestion_threshold
        out.putInt(maxWrite);
        out.putInt(timeGran);
        while (out.position() < start + SIZE) {
            out.put((byte) 0);
        }
    }
}
