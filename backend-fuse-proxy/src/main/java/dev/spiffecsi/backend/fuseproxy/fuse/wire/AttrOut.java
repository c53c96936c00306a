package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;
import java.time.Duration;

/** {@code struct fuse_attr_out} (104 bytes), the reply to GETATTR and SETATTR. */
public record AttrOut(Duration attrValid, Attr attr) {

    public static final int SIZE = 16 + Attr.SIZE;

    public void encode(ByteBuffer out) {
        out.putLong(attrValid.getSeconds());
        out.putInt(attrValid.getNano());
        out.putInt(0); // dummy
        attr.encode(out);
    }
}
