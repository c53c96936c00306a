package dev.spiffecsi.backend.fuseproxy.fuse;

import dev.spiffecsi.backend.fuseproxy.fuse.wire.InHeader;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.MknodIn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Requests as the kernel writes them, for tests that run without one. */
final class Requests {

    private Requests() {}

    static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }

    /** A whole request: fuse_in_header, then {@code payload}. */
    static ByteBuffer request(long unique, int opcode, long node, int uid, int tid, byte[] payload) {
        ByteBuffer message = buffer(InHeader.SIZE + payload.length);
        message.putInt(0, message.capacity())
                .putInt(4, opcode)
                .putLong(8, unique)
                .putLong(16, node)
                .putInt(24, uid)
                .putInt(28, uid)
                .putInt(32, tid)
                .put(InHeader.SIZE, payload);
        return message;
    }

    /** A NUL-terminated name. */
    static byte[] name(String name) {
        return concat(name.getBytes(StandardCharsets.UTF_8), new byte[1]);
    }

    static byte[] concat(byte[] first, byte[] second) {
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    static byte[] mknod(int mode, String name) {
        return concat(buffer(MknodIn.SIZE).putInt(0, mode).array(), name(name));
    }

    static byte[] initIn(int major, int minor) {
        return buffer(64).putInt(0, major).putInt(4, minor).putInt(8, 131072).array();
    }
}
