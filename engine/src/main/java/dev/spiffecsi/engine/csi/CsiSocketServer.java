package dev.spiffecsi.engine.csi;

import dev.spiffecsi.engine.os.Umask;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.okhttp.OkHttpServerBuilder;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CSI socket's gRPC server, the one the kubelet, the node registrar and the livenessprobe call: gRPC's OkHttp
 * transport over the JDK's own Unix domain sockets ({@link UnixDomainServerSocket}). The socket is created with mode
 * 0600; a stale socket from an earlier run is removed, but anything else at the path is refused, never deleted.
 *
 * <p>The project's other gRPC servers on Unix sockets, fuse-proxy's per-volume Workload API servers and the dev
 * agent's ({@code DevAgentSocketServer} in deploy/devkit), serve every local user and tell callers apart by their
 * peer credentials, which needs netty's epoll transport; they share only {@link #prepareSocketPath} (the dev agent
 * calls it). The engine never depends on a backend, so nothing else of theirs can be shared with this class.
 *
 * <p>Why not netty: a CSI node plugin serves a handful of connections (the kubelet's, the registrar's, the
 * livenessprobe's) with small messages. netty's epoll transport costs the driver many loaded classes, a native
 * library and pooled direct buffers (BENCHMARKS.md has the figures), for throughput this socket never sees; the OkHttp
 * transport reads each connection on one thread with blocking I/O.
 *
 * <p>Threads: one accepts; one reads each open connection; calls run on a pool of {@link #callThreads()}, one per
 * CPU between 2 and 4 (the calls are CPU work and mount syscalls, which the kernel serializes: more threads than
 * CPUs only contend for the connection's write lock, which profiles of publish storms show (BENCHMARKS.md); at least 2, so that a backend call that blocks, e.g. a busy unmount
 * being retried, does not hold up the others); Probe and the other calls that touch no volume run on a pool of
 * their own ({@link CallRouting}); idle threads end after {@link #IDLE_THREAD_TIMEOUT}.
 */
public final class CsiSocketServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CsiSocketServer.class);
    private static final int OWNER_ONLY_UMASK = 0177;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int MIN_CALL_THREADS = 2;
    private static final int MAX_CALL_THREADS = 4;
    private static final int CONTROL_THREADS = 2;
    static final Duration IDLE_THREAD_TIMEOUT = Duration.ofSeconds(30);

    private final Path socket;
    private final Server server;
    private final ExecutorService transport;
    private final ExecutorService calls;
    private final ExecutorService control;
    private final Duration grace;

    private CsiSocketServer(
            Path socket,
            Server server,
            ExecutorService transport,
            ExecutorService calls,
            ExecutorService control,
            Duration grace) {
        this.socket = socket;
        this.server = server;
        this.transport = transport;
        this.calls = calls;
        this.control = control;
        this.grace = grace;
    }

    /**
     * Binds {@code socket} and starts serving.
     *
     * @param grace how long in-flight calls may run on {@link #close()}
     */
    public static CsiSocketServer start(Path socket, List<ServerServiceDefinition> services, Duration grace)
            throws IOException {
        prepareSocketPath(socket);
        ExecutorService transport = pool("csi-connection", Integer.MAX_VALUE);
        ExecutorService calls = pool("csi-call", callThreads());
        // Probe, plugin info, capabilities and node info never queue behind volume calls, which may block for seconds
        // (a busy unmount retried, a publish waiting for credential files): the livenessprobe's Probe has a
        // deadline, and missing it would get the driver restarted in the middle of a publish storm
        ExecutorService control = pool("csi-control", CONTROL_THREADS);
        OkHttpServerBuilder builder = OkHttpServerBuilder.forPort(
                        UnixDomainSocketAddress.of(socket), InsecureServerCredentials.create())
                .socketFactory(UnixDomainServerSocket.factory())
                .transportExecutor(transport)
                // the method is looked up on the connection's thread (a map lookup), then the call moves to the
                // pool its method belongs to: one hand-off per call, as with a single pool
                .directExecutor()
                .callExecutor(new CallRouting(calls, control))
                .permitKeepAliveWithoutCalls(true)
                .permitKeepAliveTime(10, TimeUnit.SECONDS);
        services.forEach(builder::addService);
        Server server = builder.build();
        try {
            Umask.with(OWNER_ONLY_UMASK, server::start);
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            server.shutdownNow();
            transport.shutdownNow();
            calls.shutdownNow();
            control.shutdownNow();
            throw new IOException("cannot serve on " + socket + ": " + e.getMessage(), e);
        }
        LOG.info("serving CSI on unix://{}", socket);
        return new CsiSocketServer(socket, server, transport, calls, control, grace);
    }

    static int callThreads() {
        return Math.clamp(Runtime.getRuntime().availableProcessors(), MIN_CALL_THREADS, MAX_CALL_THREADS);
    }

    /**
     * Daemon threads named {@code name-N}, at most {@code max} at once; idle ones end. With a bounded maximum the
     * queue takes the calls that wait for a thread.
     */
    private static ExecutorService pool(String name, int max) {
        AtomicInteger number = new AtomicInteger();
        ThreadFactory threads = task -> Thread.ofPlatform()
                .daemon()
                .name(name + "-" + number.incrementAndGet())
                .unstarted(task);
        ThreadPoolExecutor pool = max == Integer.MAX_VALUE
                ? new ThreadPoolExecutor(
                        0,
                        max,
                        IDLE_THREAD_TIMEOUT.toSeconds(),
                        TimeUnit.SECONDS,
                        new java.util.concurrent.SynchronousQueue<>(),
                        threads)
                : new ThreadPoolExecutor(
                        max,
                        max,
                        IDLE_THREAD_TIMEOUT.toSeconds(),
                        TimeUnit.SECONDS,
                        new LinkedBlockingQueue<>(),
                        threads);
        pool.allowCoreThreadTimeOut(max != Integer.MAX_VALUE);
        return pool;
    }

    /**
     * Makes {@code socket} bindable: creates its directory, removes a socket left by an earlier run, and refuses
     * (never deletes) anything else at the path.
     */
    public static void prepareSocketPath(Path socket) throws IOException {
        Files.createDirectories(socket.getParent());
        try {
            int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) != S_IFSOCK) {
                throw new IOException("refusing to replace " + socket + ": it exists and is not a socket");
            }
            Files.delete(socket);
            LOG.info("removed stale socket {}", socket);
        } catch (NoSuchFileException e) {
            // nothing to clean up
        }
    }

    public Path socket() {
        return socket;
    }

    /** Stops accepting calls, lets in-flight ones finish within the grace period, then removes the socket. */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("in-flight calls did not finish within {}; cancelling them", grace);
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        calls.shutdownNow();
        control.shutdownNow();
        transport.shutdownNow();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("cannot remove socket {}: {}", socket, e.getMessage());
        }
    }
}
