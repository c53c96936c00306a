package dev.spiffecsi.backend.fuseproxy.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.spiffecsi.backend.fuseproxy.fuse.wire.InHeader;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.MknodIn;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.Opcode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The frames around the structs: a request read from the device split into header, payload and name
 * ({@link FuseRequest}), and a reply's {@code fuse_out_header} ({@link Reply}). The structs themselves are checked
 * in the wire package's StructCodecTest.
 */
class FramingTest {

    @Test
    void requestPayloadExcludesTheExtensionsAndNamesEndAtTheirNul() {
        byte[] name = "spire-agent.sock".getBytes(StandardCharsets.UTF_8);
        int length = InHeader.SIZE + MknodIn.SIZE + name.length + 1;
        int extensionWords = 2;
        ByteBuffer b = Requests.buffer(length + 8 * extensionWords);
        b.putInt(0, length + 8 * extensionWords).putInt(4, Opcode.MKNOD).putShort(36, (short) extensionWords);
        b.putInt(InHeader.SIZE, 0140755).putInt(InHeader.SIZE + 8, 022);
        b.put(InHeader.SIZE + MknodIn.SIZE, name);
        FuseRequest request = FuseRequest.decode(InHeader.peek(b), b);
        assertEquals(MknodIn.SIZE + name.length + 1, request.payload().remaining());
        assertEquals(new MknodIn(0140755), MknodIn.decode(request.payload()));
        assertArrayEquals(name, request.name());
        assertEquals(0, request.payload().remaining());
    }

    @Test
    void aRequestWhoseLengthDisagreesWithTheReadIsRejected() {
        ByteBuffer b = Requests.buffer(InHeader.SIZE + 8);
        b.putInt(0, InHeader.SIZE + 16).putInt(4, Opcode.LOOKUP);
        InHeader header = InHeader.peek(b);
        assertThrows(IllegalArgumentException.class, () -> FuseRequest.decode(header, b));
    }

    @Test
    void aNameWithoutNulIsRejected() {
        ByteBuffer b = Requests.buffer(InHeader.SIZE + 3);
        b.putInt(0, InHeader.SIZE + 3)
                .putInt(4, Opcode.LOOKUP)
                .put(InHeader.SIZE, "abc".getBytes(StandardCharsets.UTF_8));
        FuseRequest request = FuseRequest.decode(InHeader.peek(b), b);
        assertThrows(IllegalArgumentException.class, request::name);
    }

    @Test
    void repliesStartWithLengthNegatedErrnoAndUnique() {
        Reply reply = new Reply();
        ByteBuffer error = reply.error(0xABCDEFL, Errno.ENOENT);
        assertEquals(16, error.remaining());
        assertEquals(16, error.getInt(0));
        assertEquals(-2, error.getInt(4));
        assertEquals(0xABCDEFL, error.getLong(8));

        reply.begin().putLong(42);
        ByteBuffer success = reply.success(7);
        assertEquals(24, success.remaining());
        assertEquals(24, success.getInt(0));
        assertEquals(0, success.getInt(4));
        assertEquals(7, success.getLong(8));
        assertEquals(42, success.getLong(16));
    }
}
