package dev.spiffecsi.backend.fuseproxy.testing;

import dev.spiffecsi.backend.fuseproxy.protocol.WorkloadApiSecurityHeader;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.JWTBundlesRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.JWTBundlesResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.JWTSVIDRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.JWTSVIDResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.SpiffeWorkloadAPIGrpc;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.ValidateJWTSVIDRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.ValidateJWTSVIDResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509BundlesRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509BundlesResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVIDRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVIDResponse;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A Workload API client as a workload runs it: over a Unix socket (reached through a short symlink, since socket
 * addresses are limited to 107 bytes), with the security header unless told otherwise.
 */
public final class WorkloadClient implements AutoCloseable {

    public static final Duration DEADLINE = Duration.ofSeconds(10);

    private final Path shortDir;
    private final EventLoopGroup eventLoops;
    private final ManagedChannel channel;
    private final SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub stub;
    private final SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub blocking;

    private WorkloadClient(
            Path shortDir,
            EventLoopGroup eventLoops,
            ManagedChannel channel,
            boolean withHeader,
            Map<String, String> extraHeaders) {
        this.shortDir = shortDir;
        this.eventLoops = eventLoops;
        this.channel = channel;
        Metadata headers = new Metadata();
        if (withHeader) {
            headers.put(WorkloadApiSecurityHeader.KEY, "true");
        }
        extraHeaders.forEach(
                (name, value) -> headers.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value));
        this.stub = SpiffeWorkloadAPIGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        this.blocking = SpiffeWorkloadAPIGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    public static WorkloadClient connect(Path socket) throws IOException {
        return connect(socket, true);
    }

    public static WorkloadClient connect(Path socket, boolean withHeader) throws IOException {
        return connect(socket, withHeader, Map.of());
    }

    /** With more headers on every call. */
    public static WorkloadClient connect(Path socket, boolean withHeader, Map<String, String> extraHeaders)
            throws IOException {
        Path shortDir = Files.createTempDirectory("wl");
        Path link = Files.createSymbolicLink(shortDir.resolve("d"), socket.getParent());
        EventLoopGroup eventLoops = new EpollEventLoopGroup(1);
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(
                        link.resolve(socket.getFileName()).toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(eventLoops)
                .directExecutor() // no grpc default executor threads, which outlive the client by a minute
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .usePlaintext()
                .build();
        return new WorkloadClient(shortDir, eventLoops, channel, withHeader, extraHeaders);
    }

    /** The first message of FetchX509SVID; the stream is cancelled after it. */
    public X509SVIDResponse fetchX509Svid() {
        return first(() -> deadlined().fetchX509SVID(X509SVIDRequest.getDefaultInstance()));
    }

    public X509BundlesResponse fetchX509Bundles() {
        return first(() -> deadlined().fetchX509Bundles(X509BundlesRequest.getDefaultInstance()));
    }

    public JWTBundlesResponse fetchJwtBundles() {
        return first(() -> deadlined().fetchJWTBundles(JWTBundlesRequest.getDefaultInstance()));
    }

    private SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub deadlined() {
        return blocking.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The first message of a server stream, which is then cancelled, as a client that has what it needs does. */
    public static <T> T first(Supplier<Iterator<T>> stream) {
        Context.CancellableContext call = Context.current().withCancellation();
        try {
            return call.call(() -> stream.get().next());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            call.cancel(null);
        }
    }

    public JWTSVIDResponse fetchJwtSvid(String... audience) {
        return blocking.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .fetchJWTSVID(JWTSVIDRequest.newBuilder()
                        .addAllAudience(List.of(audience))
                        .build());
    }

    public ValidateJWTSVIDResponse validateJwtSvid(String token, String audience) {
        return blocking.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .validateJWTSVID(ValidateJWTSVIDRequest.newBuilder()
                        .setSvid(token)
                        .setAudience(audience)
                        .build());
    }

    /** An open FetchX509SVID stream whose messages and end queue up. */
    public X509Stream openX509Stream() {
        X509Stream stream = new X509Stream();
        stub.fetchX509SVID(X509SVIDRequest.getDefaultInstance(), stream);
        return stream;
    }

    /** The status a failing call ends with. */
    public static Status statusOf(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
        throw new AssertionError("the call succeeded");
    }

    @Override
    public void close() throws Exception {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
        eventLoops.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        Files.deleteIfExists(shortDir.resolve("d"));
        Files.deleteIfExists(shortDir);
    }

    /** A FetchX509SVID stream for tests: each message, and finally the status, in a queue. */
    public static final class X509Stream implements ClientResponseObserver<X509SVIDRequest, X509SVIDResponse> {
        private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        private ClientCallStreamObserver<X509SVIDRequest> call;

        @Override
        public void beforeStart(ClientCallStreamObserver<X509SVIDRequest> call) {
            this.call = call;
        }

        @Override
        public void onNext(X509SVIDResponse value) {
            events.add(value);
        }

        @Override
        public void onError(Throwable t) {
            events.add(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            events.add(Status.OK);
        }

        /** The next message; fails on the end of the stream or after the deadline. */
        public X509SVIDResponse next() throws InterruptedException {
            Object event = events.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            if (event instanceof X509SVIDResponse response) {
                return response;
            }
            throw new AssertionError("expected a message, got " + event);
        }

        /** The status the stream ended with, skipping messages; null if it did not end in time. */
        public Status end(Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                Object event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (event == null || event instanceof Status) {
                    return (Status) event;
                }
            }
        }

        /** Whether nothing (no message, no end) arrives within {@code wait}. */
        public boolean quietFor(Duration wait) throws InterruptedException {
            Object event = events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (event != null) {
                events.add(event);
                return false;
            }
            return true;
        }

        public void cancel() {
            call.cancel("the test is done", null);
        }
    }
}
