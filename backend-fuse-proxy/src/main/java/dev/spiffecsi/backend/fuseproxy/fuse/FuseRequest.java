package dev.spiffecsi.backend.fuseproxy.fuse;

import dev.spiffecsi.backend.fuseproxy.fuse.wire.InHeader;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.Opcode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One request as read from the device: its header, and the operation's input (its struct, then for name
 * operations the NUL-terminated name) without the request extensions that may follow.
 */
record FuseRequest(InHeader header, ByteBuffer payload) {

    /**
     * Splits a whole request, as one read(2) of the device returns it.
     *
     * @param header the request's header, already decoded from {@code message}
     * @param message the request, header included, from its position to its limit
     */
    static FuseRequest decode(InHeader header, ByteBuffer message) {
        int received = message.remaining();
        int payloadEnd = header.length() - 8 * header.extensionLength();
        if (header.length() != received || payloadEnd < InHeader.SIZE) {
            throw new IllegalArgumentException("request " + Opcode.name(header.opcode()) + " says it is "
                    + header.length() + " bytes with " + header.extensionLength() + " extension words, but "
                    + received + " bytes were read");
        }
        ByteBuffer payload = message.slice(message.position() + InHeader.SIZE, payloadEnd - InHeader.SIZE)
                .order(ByteOrder.nativeOrder());
        return new FuseRequest(header, payload);
    }

    /** The NUL-terminated file name at the payload's position; advances past the NUL. */
    byte[] name() {
        int start = payload.position();
        for (int i = start; i < payload.limit(); i++) {
            if (payload.get(i) == 0) {
                byte[] name = new byte[i - start];
                payload.get(name);
                payload.get(); // the NUL
                return name;
            }
        }
        throw new IllegalArgumentException(Opcode.name(header.opcode()) + " carries a name without a NUL");
    }
}
