package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_init_in}: 16 bytes up to protocol 7.35, 64 from 7.36 (flags2 and reserved words appended).
 * Only the leading fields are read, so both sizes decode alike; the capability flags are not needed because this
 * server asks for no optional capability.
 */
public record InitIn(int major, int minor, int maxReadahead) {

    public static InitIn decode(ByteBuffer in) {
        return new InitIn(in.getInt(), in.getInt(), in.getInt());
    }
}
