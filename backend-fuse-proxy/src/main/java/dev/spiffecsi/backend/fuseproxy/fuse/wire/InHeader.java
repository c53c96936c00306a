package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_in_header}, the 40 bytes that start every request read from the device.
 *
 * @param length          {@code len}: the whole request, header included
 * @param opcode          {@code opcode}: a {@link Opcode}
 * @param unique          {@code unique}: echoed in the reply so the kernel can match it
 * @param nodeId          {@code fuse_in_header.nodeid}: the inode the operation is on (the parent directory for name operations)
 * @param uid             {@code uid}: the caller's fsuid
 * @param gid             {@code gid}: the caller's fsgid
 * @param pid             {@code pid}: the calling thread, in the mounter's pid namespace; 0 if not visible there
 * @param extensionLength {@code total_extlen} (7.38+, padding before): request extensions at the end of the
 *                        request, in 8-byte units; they are sent only if the server asked for them at INIT
 */
public record InHeader(
        int length, int opcode, long unique, long nodeId, int uid, int gid, int pid, int extensionLength) {

    public static final int SIZE = 40;

    /** The header at the start of a whole request, read without moving the request's position. */
    public static InHeader peek(ByteBuffer request) {
        return decode(request.duplicate().order(request.order()));
    }

    /** Reads the header at the buffer's position (native byte order) and advances past it. */
    static InHeader decode(ByteBuffer in) {
        int length = in.getInt();
        int opcode = in.getInt();
        long unique = in.getLong();
        long nodeId = in.getLong();
        int uid = in.getInt();
        int gid = in.getInt();
        int pid = in.getInt();
        int extensionLength = Short.toUnsignedInt(in.getShort());
        in.getShort(); // padding
        return new InHeader(length, opcode, unique, nodeId, uid, gid, pid, extensionLength);
    }
}
