package dev.spiffecsi.backend.fuseproxy.server;

import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gRPC threads of every volume's Workload API server and of the connection to the agent, shared, so that their
 * number does not grow with the volumes: {@value #IO_THREADS} epoll event loops for all sockets (the listeners, the
 * workloads' connections, the admin socket; they also run the timers) and {@value #CALL_THREADS} threads for the
 * calls, whose handlers never block. Each volume's FUSE filesystem still has a thread of its own (see
 * {@link dev.spiffecsi.backend.fuseproxy.fuse.FuseMount}), so the driver runs these
 * {@value #IO_THREADS} + {@value #CALL_THREADS} threads plus one per published volume.
 */
public final class SharedTransport implements AutoCloseable {

    static final int IO_THREADS = 2;
    static final int CALL_THREADS = 4;

    private final EventLoopGroup eventLoops;
    private final ExecutorService calls;

    private SharedTransport(EventLoopGroup eventLoops, ExecutorService calls) {
        this.eventLoops = eventLoops;
        this.calls = calls;
    }

    /** @throws IOException if netty's epoll transport cannot run here (it needs Linux and its native library) */
    public static SharedTransport start() throws IOException {
        if (!Epoll.isAvailable()) {
            throw new IOException(
                    "netty's epoll transport is unavailable: " + Epoll.unavailabilityCause(),
                    Epoll.unavailabilityCause());
        }
        EventLoopGroup eventLoops = new EpollEventLoopGroup(IO_THREADS, daemonThreads("fuse-proxy-io-"));
        ThreadPoolExecutor calls = new ThreadPoolExecutor(
                CALL_THREADS,
                CALL_THREADS,
                0,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                daemonThreads("fuse-proxy-call-"));
        // every shared thread starts now: their count is the same from the first volume on
        calls.prestartAllCoreThreads();
        eventLoops.forEach(loop -> loop.execute(() -> {}));
        return new SharedTransport(eventLoops, calls);
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> Thread.ofPlatform()
                .name(prefix + counter.incrementAndGet())
                .daemon()
                .unstarted(runnable);
    }

    public EventLoopGroup eventLoops() {
        return eventLoops;
    }

    public ExecutorService calls() {
        return calls;
    }

    @Override
    public void close() {
        calls.shutdownNow();
        eventLoops.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        try {
            calls.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
