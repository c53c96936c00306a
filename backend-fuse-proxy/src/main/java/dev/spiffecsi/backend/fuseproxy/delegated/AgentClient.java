package dev.spiffecsi.backend.fuseproxy.delegated;

import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.DelegatedIdentityGrpc;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.FetchJWTSVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToJWTBundlesRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToJWTBundlesResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509BundlesRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509BundlesResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsResponse;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
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
 *
 * <p>A workload named by its process ({@link Delegation.ByPid}) is checked before every request made for it and on
 * every answer before it is passed on: once the process has exited ({@link Delegation#hasExited}), its pid may name
 * another process, so nothing is asked for it and an answer that arrives is dropped; the observer gets
 * {@link #WORKLOAD_EXITED} instead.
 */
public final class AgentClient implements AutoCloseable {

    /** The failure of a call made for a workload process that has exited. */
    public static final Status WORKLOAD_EXITED =
            Status.PERMISSION_DENIED.withDescription("the process that opened this connection has exited; reconnect");

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
    public AgentClient(
            Path adminSocket,
            Duration timeout,
            EventLoopGroup eventLoops,
            Executor executor,
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

    /** Whether a call failed with {@link #WORKLOAD_EXITED}, which the agent never saw or whose answer was dropped. */
    public static boolean isWorkloadExited(Status status) {
        return status.getCode() == WORKLOAD_EXITED.getCode()
                && WORKLOAD_EXITED.getDescription().equals(status.getDescription());
    }

    private void watchConnectivity(ConnectivityState current) {
        if (current == ConnectivityState.SHUTDOWN) {
            return;
        }
        if (current == ConnectivityState.TRANSIENT_FAILURE) {
            var unused = scheduler.schedule(
                    channel::resetConnectBackoff, RECONNECT_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
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
        if (refusedAsExited(workload, updates)) {
            return;
        }
        stub.subscribeToX509SVIDs(workload.x509SvidsRequest(), guarded(workload, updates));
    }

    public void subscribeToX509Bundles(StreamObserver<SubscribeToX509BundlesResponse> updates) {
        stub.subscribeToX509Bundles(SubscribeToX509BundlesRequest.getDefaultInstance(), updates);
    }

    public void subscribeToJwtBundles(StreamObserver<SubscribeToJWTBundlesResponse> updates) {
        stub.subscribeToJWTBundles(SubscribeToJWTBundlesRequest.getDefaultInstance(), updates);
    }

    /** FetchJWTSVIDs, bounded by the timeout. */
    public void fetchJwtSvids(
            Delegation workload, List<String> audience, StreamObserver<FetchJWTSVIDsResponse> answer) {
        if (refusedAsExited(workload, answer)) {
            return;
        }
        stub.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .fetchJWTSVIDs(workload.jwtSvidsRequest(audience), guarded(workload, answer));
    }

    /**
     * True (and the observer fails later, as from a call) when the workload has exited: no request is sent. The
     * failure is delivered on another thread, as gRPC delivers its own, so that nobody sees it before the call
     * returns.
     */
    private boolean refusedAsExited(Delegation workload, StreamObserver<?> observer) {
        if (!workload.hasExited()) {
            return false;
        }
        scheduler.execute(() -> observer.onError(WORKLOAD_EXITED.asRuntimeException()));
        return true;
    }

    private static <Q, R> StreamObserver<R> guarded(Delegation workload, StreamObserver<R> observer) {
        return workload instanceof Delegation.ByPid ? new ExitGuard<Q, R>(workload, observer) : observer;
    }

    /**
     * Passes on the answers of a call made for a workload process only while it runs: the first answer that arrives
     * after it exited is dropped, the call is cancelled and the observer gets {@link #WORKLOAD_EXITED}; nothing more
     * of the call reaches it. gRPC calls an observer for one call at a time.
     */
    private static final class ExitGuard<Q, R> implements ClientResponseObserver<Q, R> {
        private final Delegation workload;
        private final StreamObserver<R> observer;
        private ClientCallStreamObserver<Q> call;
        private boolean refused;

        ExitGuard(Delegation workload, StreamObserver<R> observer) {
            this.workload = workload;
            this.observer = observer;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void beforeStart(ClientCallStreamObserver<Q> call) {
            this.call = call;
            if (observer instanceof ClientResponseObserver<?, ?> wantsCall) {
                ((ClientResponseObserver<Q, R>) wantsCall).beforeStart(call);
            }
        }

        @Override
        public void onNext(R answer) {
            if (refused) {
                return;
            }
            if (workload.hasExited()) {
                refused = true;
                call.cancel("the workload process has exited", null);
                observer.onError(WORKLOAD_EXITED.asRuntimeException());
                return;
            }
            observer.onNext(answer);
        }

        @Override
        public void onError(Throwable t) {
            if (!refused) {
                observer.onError(t);
            }
        }

        @Override
        public void onCompleted() {
            if (!refused) {
                observer.onCompleted();
            }
        }
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
