package dev.spiffecsi.hostile;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc;
import io.spiffe.workloadapi.grpc.Workload.X509SVIDRequest;
import io.spiffe.workloadapi.grpc.Workload.X509SVIDResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A bare gRPC Workload API client on one socket (a volume's), on shared event loops so that thousands of them add
 * no threads: calls carry the security header every Workload API client must send.
 */
final class WorkloadApiChannel implements AutoCloseable {

    static final Metadata.Key<String> SECURITY_HEADER =
            Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel;

    WorkloadApiChannel(Path socket, EventLoopGroup eventLoops) {
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(eventLoops)
                .directExecutor()
                .usePlaintext()
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .build();
    }

    ManagedChannel channel() {
        return channel;
    }

    static Metadata securityHeader() {
        Metadata headers = new Metadata();
        headers.put(SECURITY_HEADER, "true");
        return headers;
    }

    /**
     * Opens a {@code FetchX509SVID} stream; the future completes with its first message (or fails with its status).
     * The returned call is left open: cancel it when done.
     */
    ClientCall<X509SVIDRequest, X509SVIDResponse> fetchX509Svid(
            CompletableFuture<X509SVIDResponse> first, Duration deadline) {
        ClientCall<X509SVIDRequest, X509SVIDResponse> call = channel.newCall(
                SpiffeWorkloadAPIGrpc.getFetchX509SVIDMethod(),
                CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
        call.start(
                new ClientCall.Listener<>() {
                    @Override
                    public void onMessage(X509SVIDResponse message) {
                        first.complete(message);
                    }

                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        first.completeExceptionally(status.asRuntimeException());
                    }
                },
                securityHeader());
        call.request(1);
        call.sendMessage(X509SVIDRequest.getDefaultInstance());
        call.halfClose();
        return call;
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
