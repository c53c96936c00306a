package dev.spiffecsi.dev.kubelet;

import dev.spiffecsi.engine.csi.proto.IdentityGrpc;
import dev.spiffecsi.engine.csi.proto.NodeGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC channel to a CSI driver's Unix socket (netty, epoll), with the Identity and Node stubs. Every call gets
 * a deadline, so a driver that hangs fails the call (which is then retried) instead of the caller. Thread-safe:
 * the channel multiplexes concurrent calls over one connection, as the kubelet's calls to one driver are.
 */
public final class CsiConnection implements AutoCloseable {

    private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);

    private final EventLoopGroup group;
    private final ManagedChannel channel;

    private CsiConnection(EventLoopGroup group, ManagedChannel channel) {
        this.group = group;
        this.channel = channel;
    }

    public static CsiConnection open(Path socket) {
        EventLoopGroup group = new EpollEventLoopGroup(1);
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(group)
                .channelType(EpollDomainSocketChannel.class)
                // grpc sets SO_KEEPALIVE on every connection; a Unix socket has none, and netty warns each time
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .usePlaintext()
                .build();
        return new CsiConnection(group, channel);
    }

    /** The Identity service, for one call (the deadline runs from now). */
    public IdentityGrpc.IdentityBlockingStub identity() {
        return identity(CALL_DEADLINE);
    }

    /** The Identity service, for one call that must answer within {@code deadline}. */
    public IdentityGrpc.IdentityBlockingStub identity(Duration deadline) {
        return IdentityGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The Node service, for one call (the deadline runs from now). */
    public NodeGrpc.NodeBlockingStub node() {
        return NodeGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
