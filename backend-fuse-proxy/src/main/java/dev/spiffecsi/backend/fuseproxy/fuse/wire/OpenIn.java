package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_open_in} (8 bytes): the open(2) flags, then open_flags (7.38+, padding before).
 *
 * @param flags the open(2) flags, less O_CREAT, O_EXCL and O_NOCTTY, which the kernel handles
 */
public record OpenIn(int flags) {

    public static final int O_ACCMODE = 03;
    public static final int O_RDONLY = 0;
    public static final int O_TRUNC = 01000;

    public static OpenIn decode(ByteBuffer in) {
        return new OpenIn(in.getInt(in.position()));
    }
}
