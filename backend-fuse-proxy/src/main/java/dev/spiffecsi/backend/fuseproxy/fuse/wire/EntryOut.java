package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * {@code struct fuse_entry_out} (128 bytes), the reply to LOOKUP and MKNOD. The generation is always 0: node ids
 * are never reused within a mount, which already makes {@code nodeid:generation} unique for its lifetime.
 *
 * @param entryValid how long the kernel may cache the name
 * @param attrValid  how long the kernel may cache the attributes
 */
public record EntryOut(long nodeId, Duration entryValid, Duration attrValid, Attr attr) {

    public static final int SIZE = 40 + Attr.SIZE;

    public void encode(ByteBuffer out) {
        out.putLong(nodeId);
        out.putLong(0); // generation
        out.putLong(entryValid.getSeconds());
        out.putLong(attrValid.getSeconds());
        out.putInt(entryValid.getNano());
        out.putInt(attrValid.getNano());
        attr.encode(out);
    }
}
