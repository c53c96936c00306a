package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_mknod_in} (16 bytes since 7.12: mode, rdev, umask, padding), followed in the request by the
 * new entry's name.
 *
 * @param mode file type and permission bits, the caller's umask already applied by the kernel (the server did
 *             not ask for FUSE_DONT_MASK)
 */
public record MknodIn(int mode) {

    public static final int SIZE = 16;

    public static MknodIn decode(ByteBuffer in) {
        int start = in.position();
        MknodIn decoded = new MknodIn(in.getInt(start));
        in.position(start + SIZE);
        return decoded;
    }
}
