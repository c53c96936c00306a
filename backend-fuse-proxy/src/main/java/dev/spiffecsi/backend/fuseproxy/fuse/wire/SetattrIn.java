package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_setattr_in} (88 bytes). Only the fields this filesystem lets change are kept.
 *
 * @param valid the FATTR_* bits saying which fields the caller sets
 */
public record SetattrIn(int valid, int mode, int uid, int gid) {

    public static final int SIZE = 88;
    public static final int FATTR_MODE = 1;
    public static final int FATTR_UID = 1 << 1;
    public static final int FATTR_GID = 1 << 2;
    /** Informational bits: the file handle and lock owner of an ftruncate/fchmod, and "kill suid/sgid". */
    public static final int FATTR_INFORMATIONAL = 1 << 6 | 1 << 9 | 1 << 11;

    private static final int MODE_OFFSET = 68;
    private static final int UID_OFFSET = 76;
    private static final int GID_OFFSET = 80;

    public static SetattrIn decode(ByteBuffer in) {
        int start = in.position();
        SetattrIn decoded = new SetattrIn(
                in.getInt(start),
                in.getInt(start + MODE_OFFSET),
                in.getInt(start + UID_OFFSET),
                in.getInt(start + GID_OFFSET));
        in.position(start + SIZE);
        return decoded;
    }
}
