package dev.spiffecsi.backend.fuseproxy.fuse;

import static dev.spiffecsi.backend.fuseproxy.fuse.FakeConnection.error;
import static dev.spiffecsi.backend.fuseproxy.fuse.Requests.initIn;
import static dev.spiffecsi.backend.fuseproxy.fuse.Requests.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.fuse.wire.InHeader;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.InitIn;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.InitOut;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.Opcode;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.ReadIn;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** INIT: version negotiation and the reply the kernel gets. */
class HandshakeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    @Test
    void acceptsSevenThirtyOneOnwardsAndCapsTheMinorAtTheNewestKnown() throws FuseError {
        assertEquals(
                new InitOut(7, 31, 65536, 0, Handshake.MAX_WRITE, 1), Handshake.negotiate(new InitIn(7, 31, 65536)));
        assertEquals(
                Handshake.MAX_MINOR, Handshake.negotiate(new InitIn(7, 99, 0)).minor());
        assertEquals(
                Errno.EPROTO,
                assertThrows(FuseError.class, () -> Handshake.negotiate(new InitIn(7, 30, 0)))
                        .errno());
        assertEquals(
                Errno.EPROTO,
                assertThrows(FuseError.class, () -> Handshake.negotiate(new InitIn(8, 0, 0)))
                        .errno());
    }

    @Test
    void answersTheKernelsInitWithTheAgreedVersion() throws IOException {
        FakeConnection connection = new FakeConnection().request(request(1, Opcode.INIT, 0, 0, 0, initIn(7, 45)));
        assertEquals("7." + Handshake.MAX_MINOR, Handshake.perform(connection, TIMEOUT));
        ByteBuffer reply = connection.replies().getFirst();
        assertEquals(Reply.HEADER_SIZE + InitOut.SIZE, reply.getInt(0));
        assertEquals(0, error(reply));
        assertEquals(7, reply.getInt(16));
        assertEquals(Handshake.MAX_MINOR, reply.getInt(20));
        assertEquals(Handshake.MAX_WRITE, reply.getInt(16 + 20));
        assertTrue(
                Handshake.REQUEST_BUFFER_SIZE >= InHeader.SIZE + ReadIn.SIZE + Handshake.MAX_WRITE,
                "the kernel refuses reads smaller than a full WRITE request");
        assertTrue(Handshake.REQUEST_BUFFER_SIZE >= 8192, "nor smaller than FUSE_MIN_READ_BUFFER");
    }

    @Test
    void refusesAnOldKernelWithEproto() {
        FakeConnection connection = new FakeConnection().request(request(1, Opcode.INIT, 0, 0, 0, initIn(7, 26)));
        IOException e = assertThrows(IOException.class, () -> Handshake.perform(connection, TIMEOUT));
        assertTrue(e.getMessage().contains("7.26"), e.getMessage());
        assertEquals(-Errno.EPROTO, error(connection.replies().getFirst()));
    }

    @Test
    void failsWhenSomethingElseComesFirstOrNothingComes() {
        FakeConnection other = new FakeConnection().request(request(1, Opcode.GETATTR, 1, 0, 0, new byte[16]));
        assertThrows(IOException.class, () -> Handshake.perform(other, TIMEOUT));
        assertEquals(-Errno.EIO, error(other.replies().getFirst()));

        assertThrows(IOException.class, () -> Handshake.perform(new FakeConnection(), TIMEOUT));
    }
}
