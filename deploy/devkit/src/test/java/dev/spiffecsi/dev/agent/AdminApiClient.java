package dev.spiffecsi.dev.agent;

import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.DelegatedIdentityGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A Delegated Identity API client on an agent's admin socket, as a delegate such as the fuse-proxy backend talks
 * to SPIRE: the generated stubs over netty epoll, without the Workload API's security header. The channel
 * reconnects by itself, so one client outlives an agent restart.
 */
final class AdminApiClient implements AutoCloseable {

    private final EventLoopGroup group = new EpollEventLoopGroup(1);
    private final ManagedChannel channel;

    AdminApiClient(Path socket) {
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(group)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                // grpc sets SO_KEEPALIVE on every connection; a Unix socket has none, and netty warns each time
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .build();
    }

    DelegatedIdentityGrpc.DelegatedIdentityBlockingStub blocking() {
        return DelegatedIdentityGrpc.newBlockingStub(channel);
    }

    DelegatedIdentityGrpc.DelegatedIdentityStub async() {
        return DelegatedIdentityGrpc.newStub(channel);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
