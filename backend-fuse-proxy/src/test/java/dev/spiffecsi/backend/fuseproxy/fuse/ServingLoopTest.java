package dev.spiffecsi.backend.fuseproxy.fuse;

import static dev.spiffecsi.backend.fuseproxy.fuse.FakeConnection.error;
import static dev.spiffecsi.backend.fuseproxy.fuse.FakeConnection.unique;
import static dev.spiffecsi.backend.fuseproxy.fuse.Requests.buffer;
import static dev.spiffecsi.backend.fuseproxy.fuse.Requests.name;
import static dev.spiffecsi.backend.fuseproxy.fuse.Requests.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.fuse.wire.AttrOut;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.MknodIn;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.Opcode;
import dev.spiffecsi.spi.contract.RecordingLogger;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The loop's error isolation, with a scripted connection. */
class ServingLoopTest {

    private static final long ROOT = SocketDirectory.ROOT_ID;
    private final RecordingLogger log = new RecordingLogger();

    private void serve(FakeConnection connection) {
        Dispatcher dispatcher = new Dispatcher(new SocketDirectory("s.sock", Clock.systemUTC()), tid -> true);
        new ServingLoop(connection, dispatcher, Path.of("/target"), log).run();
    }

    /** MKNOD whose name lacks its NUL: the dispatcher throws while decoding it. */
    private static ByteBuffer malformed(long unique) {
        byte[] payload = Requests.concat(
                buffer(MknodIn.SIZE).putInt(0, SocketDirectory.S_IFSOCK).array(),
                "s.sock".getBytes(StandardCharsets.UTF_8));
        return request(unique, Opcode.MKNOD, ROOT, 0, 1, payload);
    }

    private static ByteBuffer getattr(long unique) {
        return request(unique, Opcode.GETATTR, ROOT, 0, 1, new byte[16]);
    }

    @Test
    void aFailingRequestIsAnsweredEioAndServingGoesOn() {
        FakeConnection connection = new FakeConnection()
                .request(malformed(1))
                .request(request(2, Opcode.LOOKUP, ROOT, 0, 1, name("nothing")))
                .request(malformed(3))
                .request(getattr(4));
        serve(connection);
        List<ByteBuffer> replies = connection.replies();
        assertEquals(4, replies.size());
        assertEquals(
                List.of(1L, 2L, 3L, 4L),
                replies.stream().map(FakeConnection::unique).toList());
        assertEquals(-Errno.EIO, error(replies.get(0)));
        assertEquals(-Errno.ENOENT, error(replies.get(1)));
        assertEquals(-Errno.EIO, error(replies.get(2)));
        assertEquals(0, error(replies.get(3)));
        assertEquals(Reply.HEADER_SIZE + AttrOut.SIZE, replies.get(3).getInt(0));
        assertEquals(List.of(Level.WARNING, Level.DEBUG), log.levels(), "logged once per opcode, then quietly");
        assertTrue(connection.closed());
    }

    @Test
    void forgetsGetNoReply() {
        FakeConnection connection = new FakeConnection()
                .request(request(
                        5, Opcode.FORGET, 2, 0, 0, buffer(8).putLong(0, 1).array()))
                .request(getattr(6));
        serve(connection);
        assertEquals(
                List.of(6L),
                connection.replies().stream().map(FakeConnection::unique).toList());
    }

    @Test
    void aReplyTheKernelRejectsIsLoggedAndServingGoesOn() {
        FakeConnection connection =
                new FakeConnection().failSends(1).request(getattr(7)).request(getattr(8));
        serve(connection);
        assertEquals(
                List.of(8L),
                connection.replies().stream().map(FakeConnection::unique).toList());
        assertEquals(List.of(Level.WARNING), log.levels());
    }

    @Test
    void aFailingDeviceEndsServingAndClosesTheConnection() {
        FakeConnection connection = new FakeConnection()
                .request(getattr(9))
                .failAtEnd(new IOException("read(/dev/fuse): Input/output error (errno 5)"));
        serve(connection);
        assertEquals(1, connection.replies().size());
        assertEquals(List.of(Level.ERROR), log.levels());
        assertTrue(connection.closed(), "closing aborts the mount, so callers get ENOTCONN instead of hanging");
    }
}
