package dev.spiffecsi.backend.fuseproxy.delegated;

import dev.spiffecsi.backend.fuseproxy.delegated.proto.DelegatedIdentityGrpc;
import dev.spiffecsi.backend.fuseproxy.delegated.proto.FetchJWTSVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.delegated.proto.SubscribeToJWTBundlesRequest;
import dev.spiffecsi.backend.fuseproxy.delegated.proto.SubscribeToJWTBundlesResponse;
import dev.spiffecsi.backend.fuseproxy.delegated.proto.SubscribeToX509BundlesRequest;
import dev.spiffecsi.backend.fuseproxy.delegated.proto.SubscribeToX509BundlesResponse;
import dev.spiffecsi.backend.fuseproxy.delegated.proto.SubscribeToX509SVIDsResponse;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one connection of the driver to the SPIRE agent's Delegated Identity API, on the agent's admin socket, shared
 * by every volume. The agent authorizes the driver (an authorized delegate) by attesting this connection.
 *
 * <p>Calls wait for the connection ({@code waitForReady}) instead of failing at once while the agent restarts; who
 * must answer in time bounds the wait. grpc's own reconnect backoff grows to two minutes, which would keep workloads
 * without updates long after the agent is back, so while the agent is unreachable the backoff is reset every
 * {@link #RECONNECT_INTERVAL}: at most one connect attempt per interval, and none while nobody calls.
 */
public final class AgentClient implements AutoCloseable {

    private static final Duration RECONNECT_INTERVAL = Duration.ofMillis(500);

    private final Path adminSocket;
    private final Duration timeout;
    private final ManagedChannel channel;
    private final DelegatedIdentityGrpc.DelegatedIdentityStub stub;
    private final ScheduledExecutorService scheduler;

    /**
     * @param timeout   how long a unary call may take, and how long a new subscription may wait for its first answer
     * @param scheduler runs the reconnect nudges and the retries of the subscriptions made with this client
     */
    public AgentClient(Path adminSocket, Duration timeout, EventLoopGroup eventLoops, Executor executor,
                       ScheduledExecutorService scheduler) {
        this.adminSocket = adminSocket;
        this.timeout = timeout;
        this.scheduler = scheduler;
        this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(adminSocket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(eventLoops)
                .executor(executor)
                .usePlaintext()
                // grpc sets SO_KEEPALIVE on every connection; a Unix socket has none, and netty warns each time
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .build();
        this.stub = DelegatedIdentityGrpc.newStub(channel).withWaitForReady();
        watchConnectivity(channel.getState(false));
    }

    private void watchConnectivity(ConnectivityState current) {
        if (current == ConnectivityState.SHUTDOWN) {
            return;
        }
        if (current == ConnectivityState.TRANSIENT_FAILURE) {
            scheduler.schedule(channel::resetConnectBackoff, RECONNECT_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }
        channel.notifyWhenStateChanged(current, () -> watchConnectivity(channel.getState(false)));
    }

    public Path adminSocket() {
        return adminSocket;
    }

    public Duration timeout() {
        return timeout;
    }

    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    public void subscribeToX509Svids(Delegation workload, StreamObserver<SubscribeToX509SVIDsResponse> updates) {
        stub.subscribeToX509SVIDs(workload.x509SvidsRequest(), updates);
    }

    public void subscribeToX509Bundles(StreamObserver<SubscribeToX509BundlesResponse> updates) {
        stub.subscribeToX509Bundles(SubscribeToX509BundlesRequest.getDefaultInstance(), updates);
    }

    public void subscribeToJwtBundles(StreamObserver<SubscribeToJWTBundlesResponse> updates) {
        stub.subscribeToJWTBundles(SubscribeToJWTBundlesRequest.getDefaultInstance(), updates);
    }

    /** FetchJWTSVIDs, bounded by the timeout. */
    public void fetchJwtSvids(Delegation workload, List<String> audience,
                              StreamObserver<FetchJWTSVIDsResponse> answer) {
        stub.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .fetchJWTSVIDs(workload.jwtSvidsRequest(audience), answer);
    }

    /** Ends every call in flight (their observers see CANCELLED) and the connection. */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
