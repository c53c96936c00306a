package dev.spiffecsi.dev.simulatednode.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.protocol.WorkloadApiSecurityHeader;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.MetadataUtils;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub;
import io.spiffe.workloadapi.grpc.Workload.X509SVIDRequest;
import io.spiffe.workloadapi.grpc.Workload.X509SVIDResponse;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * A bare gRPC Workload API client on one socket, for what java-spiffe will not do (leave out the security header)
 * and for many sockets at once (java-spiffe starts threads per client). Calls run on the caller's thread and the
 * given event loops, so that the client adds no threads of its own.
 */
final class RawWorkloadApi implements AutoCloseable {

    private final ManagedChannel channel;

    RawWorkloadApi(Path socket, EventLoopGroup eventLoops) {
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(eventLoops)
                .directExecutor()
                .usePlaintext()
                // grpc sets SO_KEEPALIVE on every connection; a Unix socket has none, and netty warns each time
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .build();
    }

    /** The first message of FetchX509SVID, sent as every Workload API client must: with the security header. */
    X509SVIDResponse firstX509Svid() {
        Metadata headers = new Metadata();
        headers.put(WorkloadApiSecurityHeader.KEY, "true");
        return first(SpiffeWorkloadAPIGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)));
    }

    /** The same call without the header, as a browser or a forged server-side request would make it. */
    X509SVIDResponse firstX509SvidWithoutSecurityHeader() {
        return first(SpiffeWorkloadAPIGrpc.newBlockingStub(channel));
    }

    private static X509SVIDResponse first(SpiffeWorkloadAPIBlockingStub stub) {
        Iterator<X509SVIDResponse> stream = stub.fetchX509SVID(X509SVIDRequest.getDefaultInstance());
        return stream.next();
    }

    /** Cancels the open streams and closes the connection. */
    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
