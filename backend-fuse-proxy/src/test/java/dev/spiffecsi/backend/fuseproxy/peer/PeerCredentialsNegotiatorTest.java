package dev.spiffecsi.backend.fuseproxy.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.protocol.workload.SpiffeWorkloadAPIGrpc;
import dev.spiffecsi.backend.fuseproxy.testing.WorkloadClient;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A real gRPC server on an epoll Unix socket: each connection's peer, and its process tracked from the socket. */
class PeerCredentialsNegotiatorTest {

    @Test
    void aConnectionsPeerIsTrackedByTheSocketsPidfd() throws Exception {
        AtomicReference<UnixPeer> peer = new AtomicReference<>();
        AtomicReference<PeerProcess> process = new AtomicReference<>();
        ServerInterceptor capture = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
                peer.set(PeerCredentialsNegotiator.peerOf(call).orElse(null));
                process.set(PeerCredentialsNegotiator.processOf(call));
                return next.startCall(call, headers);
            }
        };
        Path dir = Files.createTempDirectory("pn");
        Path socket = dir.resolve("s.sock");
        EventLoopGroup loops = new EpollEventLoopGroup(1);
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(loops)
                .workerEventLoopGroup(loops)
                .protocolNegotiator(new PeerCredentialsNegotiator())
                .addService(
                        ServerInterceptors.intercept(new SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase() {}, capture))
                .build()
                .start();
        try (WorkloadClient client = WorkloadClient.connect(socket)) {
            assertEquals(
                    Status.Code.UNIMPLEMENTED,
                    WorkloadClient.statusOf(client::fetchJwtBundles).getCode());

            int ownPid = (int) ProcessHandle.current().pid();
            assertEquals(ownPid, peer.get().pid());
            PidFd pidfd = assertInstanceOf(PidFd.class, process.get());
            assertEquals(PidFd.Origin.SO_PEERPIDFD, pidfd.origin(), "from the socket, not looked up by pid");
            assertTrue(
                    Files.readString(Path.of("/proc/self/fdinfo/" + pidfd.fd())).contains("Pid:\t" + ownPid),
                    "the pidfd names the process that connected");
            assertFalse(pidfd.hasExited());
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            Files.deleteIfExists(socket);
            Files.delete(dir);
        }
    }
}
