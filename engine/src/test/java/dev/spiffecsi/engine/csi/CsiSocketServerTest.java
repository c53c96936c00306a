package dev.spiffecsi.engine.csi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.engine.csi.proto.IdentityGrpc;
import dev.spiffecsi.engine.csi.proto.ProbeRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CsiSocketServerTest {

    private static EpollEventLoopGroup group;

    @BeforeAll
    static void startEventLoop() {
        group = new EpollEventLoopGroup(1);
    }

    @AfterAll
    static void stopEventLoop() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static Path shortTempDir() throws IOException {
        return Files.createTempDirectory("uss"); // Unix socket paths must stay under 108 bytes
    }

    @Test
    void createsTheSocketOwnerOnlyAndRemovesItOnClose() throws Exception {
        Path socket = shortTempDir().resolve("csi/csi.sock");
        try (CsiSocketServer server = CsiSocketServer.start(socket, List.of(), Duration.ofSeconds(1))) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        }
        assertFalse(Files.exists(socket));
    }

    /**
     * A socket left by an earlier run (bound, then its process gone: the file stays, nothing listens) is removed and
     * the new server's socket bound in its place: were it kept, the bind would fail and nothing would answer.
     */
    @Test
    void replacesAStaleSocketWithOneThatAnswers() throws Exception {
        Path socket = shortTempDir().resolve("csi.sock");
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThrows(ConnectException.class, () -> connect(socket).close(), "the socket is not stale: it answers");

        try (CsiSocketServer server = CsiSocketServer.start(socket, List.of(), Duration.ofSeconds(1))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .eventLoopGroup(group)
                    .channelType(EpollDomainSocketChannel.class)
                    .usePlaintext()
                    .build();
            try {
                // a server without services answers every call, with UNIMPLEMENTED: an answer from this server
                StatusRuntimeException e = assertThrows(
                        StatusRuntimeException.class,
                        () -> IdentityGrpc.newBlockingStub(channel)
                                .withDeadlineAfter(10, TimeUnit.SECONDS)
                                .probe(ProbeRequest.getDefaultInstance()));
                assertEquals(
                        Status.Code.UNIMPLEMENTED,
                        e.getStatus().getCode(),
                        e.getStatus().toString());
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static SocketChannel connect(Path socket) throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(socket));
    }

    @Test
    void refusesToReplaceAnythingButASocket() throws Exception {
        Path file = shortTempDir().resolve("csi.sock");
        Files.writeString(file, "precious");
        IOException e =
                assertThrows(IOException.class, () -> CsiSocketServer.start(file, List.of(), Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("precious", Files.readString(file));
    }
}
