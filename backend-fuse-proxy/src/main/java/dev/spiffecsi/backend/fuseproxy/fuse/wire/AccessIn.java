package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_access_in} (8 bytes).
 *
 * @param mask the access(2) mask: R_OK 4, W_OK 2, X_OK 1, F_OK 0
 */
public record AccessIn(int mask) {

    public static AccessIn decode(ByteBuffer in) {
        int mask = in.getInt();
        in.getInt(); // padding
        return new AccessIn(mask);
    }
}
