package dev.spiffecsi.backend.fuseproxy.server;

import dev.spiffecsi.backend.fuseproxy.files.PodFiles;
import dev.spiffecsi.backend.fuseproxy.fuse.FuseMount;
import dev.spiffecsi.backend.fuseproxy.fuse.FuseOptions;
import dev.spiffecsi.backend.fuseproxy.fuse.ServedFiles;
import dev.spiffecsi.backend.fuseproxy.peer.PeerCredentialsNegotiator;
import dev.spiffecsi.backend.fuseproxy.peer.PeerProcess;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import dev.spiffecsi.backend.fuseproxy.workload.RateLimitedLog;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One published volume: a {@link FuseMount} at the target, a gRPC server listening on the socket inside it (when the
 * volume holds the socket) and the feed of its credential files (when it holds files).
 *
 * <p>The listener is bound through a {@link DirectoryHandle} alias, which stays open until the server has
 * terminated: netty unlinks its socket by the bound path when the listener closes, and a closed alias fd could by
 * then name another volume's directory. Order on the way down: the files' feed (no more updates), server (listener
 * and every connection), alias, mount (which releases the files, wiping their secrets): the listener and the alias
 * both keep the mount busy.
 */
public final class VolumeServer {

    private static final Duration SERVER_STOP_TIMEOUT = Duration.ofSeconds(5);

    /** The Workload API socket of a volume: its one name, its permissions, and the service it answers. */
    public record SocketService(String name, Set<PosixFilePermission> mode, ServerServiceDefinition service) {}

    private final VolumeLabel volume;
    private final FuseMount mount;
    private final DirectoryHandle directory;
    private final Server server;
    private final Optional<PodFiles> files;
    private final System.Logger log;

    private VolumeServer(
            VolumeLabel volume,
            FuseMount mount,
            DirectoryHandle directory,
            Server server,
            Optional<PodFiles> files,
            System.Logger log) {
        this.volume = volume;
        this.mount = mount;
        this.directory = directory;
        this.server = server;
        this.files = files;
        this.log = log;
    }

    /**
     * Mounts the filesystem at the volume's target (on top of whatever is mounted there), serves {@code socket} in
     * it if given (each client's process tracked with {@code processes} for as long as its connection lasts), and
     * starts the feed of its files if given, once the mount is there to receive them. On failure nothing is left:
     * no feed, no server, no mount.
     *
     * @param files  starts the feed that keeps the given files up to date
     * @param limits what the volume's pod may make the driver hold
     * @param node   the connections and calls of all volumes, against the node's limits
     */
    public static VolumeServer start(
            VolumeLabel volume,
            Optional<SocketService> socket,
            Optional<Function<ServedFiles, PodFiles>> files,
            SharedTransport transport,
            FuseOptions fuse,
            PeerProcess.Tracker processes,
            VolumeLimits limits,
            NodeBudget node)
            throws IOException {
        RateLimitedLog tooManyOpenFiles = new RateLimitedLog(fuse.logger(), Level.WARNING);
        ServedFiles served = new ServedFiles(
                fuse.clock(),
                limits.maxOpenFiles(),
                () -> tooManyOpenFiles.log(() ->
                        volume + ": refused to open a credential file with EMFILE: the pod has " + limits.maxOpenFiles()
                                + " of the volume's files open, the most limits.max-open-files admits"));
        FuseMount mount;
        try {
            mount = FuseMount.mount(volume.target(), socket.map(SocketService::name), served, fuse);
        } catch (IOException | RuntimeException e) {
            served.close();
            throw e;
        }
        DirectoryHandle directory = null;
        Server server = null;
        Optional<PodFiles> feed = Optional.empty();
        try {
            if (socket.isPresent()) {
                // through the target's held parent: a parent swapped for a symlink cannot take the socket elsewhere
                directory = DirectoryHandle.open(mount.entry());
                server = listen(volume, directory, socket.get(), transport, processes, limits, node, fuse.logger());
            }
            feed = files.map(start -> start.apply(served));
            return new VolumeServer(volume, mount, directory, server, feed, fuse.logger());
        } catch (IOException | RuntimeException e) {
            feed.ifPresent(PodFiles::close);
            boolean released = server == null || stop(server);
            if (directory != null && released) {
                directory.close();
            }
            try {
                mount.close();
            } catch (IOException unmount) {
                e.addSuppressed(unmount);
            }
            throw e;
        }
    }

    private static Server listen(
            VolumeLabel volume,
            DirectoryHandle directory,
            SocketService socket,
            SharedTransport transport,
            PeerProcess.Tracker processes,
            VolumeLimits limits,
            NodeBudget node,
            System.Logger log)
            throws IOException {
        ConnectionLimiter connections =
                new ConnectionLimiter(volume, new Budget(limits.maxConnections()), node.connections(), log);
        Server server = NettyServerBuilder.forAddress(
                        new DomainSocketAddress(directory.alias(socket.name()).toString()))
                .channelFactory(connections::newServerChannel)
                .bossEventLoopGroup(transport.eventLoops())
                .workerEventLoopGroup(transport.eventLoops())
                .executor(transport.calls())
                .protocolNegotiator(new StreamLimitNegotiator(
                        new PeerCredentialsNegotiator(processes), limits.maxCallsPerConnection()))
                // grpc sets SO_KEEPALIVE on every connection; a Unix socket has none, and netty warns each time
                .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                .handshakeTimeout(limits.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS)
                .maxConnectionIdle(limits.connectionIdleTimeout().toNanos(), TimeUnit.NANOSECONDS)
                .maxConcurrentCallsPerConnection(limits.maxCallsPerConnection())
                .maxInboundMessageSize(limits.maxRequestBytes())
                .maxInboundMetadataSize(limits.maxHeaderListBytes())
                .intercept(new CallLimiter(volume, new Budget(limits.maxCalls()), node.calls(), log))
                .addStreamTracerFactory(new RefusedRequestLog(volume, limits.maxRequestBytes(), log))
                .addService(socket.service())
                .build()
                .start();
        try {
            // bind(2) applied the driver's umask; the filesystem lets the driver, and only it, chmod the socket
            Files.setPosixFilePermissions(directory.alias(socket.name()), socket.mode());
        } catch (IOException | RuntimeException e) {
            stop(server);
            throw e;
        }
        return server;
    }

    /** The feed of the volume's credential files, if it holds files. */
    public Optional<PodFiles> files() {
        return files;
    }

    /** Whether the volume holds the Workload API socket. */
    public boolean servesSocket() {
        return server != null;
    }

    /**
     * Whether the volume serves what it should: the listener is up, if there is one (a {@link #close} that failed
     * to unmount has stopped it already), and the mount is still there and served (see {@link FuseMount#isAlive}).
     */
    public boolean isAlive() {
        return (server == null || !server.isShutdown()) && mount.isAlive();
    }

    /** Whether the filesystem is still mounted and served, whether or not the listener is up. */
    public boolean isMounted() {
        return mount.isAlive();
    }

    /**
     * Stops serving and unmounts: the files' feed, the listener and every connection first, so that nothing keeps
     * the mount busy. Clients see their connections closed, then the socket gone.
     *
     * @throws IOException if unmounting fails; the server is stopped then, and close may be called again
     */
    public void close() throws IOException {
        files.ifPresent(PodFiles::close);
        stopServer();
        mount.close();
    }

    /**
     * Stops serving, for a driver that shuts down, without unmounting: the filesystem dies with this process, and the
     * next driver process mounts a new one on top of it ({@code resume}), where a pod's mount propagation lets it in.
     */
    public void abandon() {
        files.ifPresent(PodFiles::close);
        stopServer();
    }

    private void stopServer() {
        if (server == null) {
            return;
        }
        if (stop(server)) {
            directory.close();
        } else {
            log.log(
                    Level.ERROR,
                    volume + ": the Workload API server did not stop within " + SERVER_STOP_TIMEOUT
                            + "; keeping its directory handle open (one fd) so that its late socket cleanup cannot reach "
                            + "another directory; the unmount will have to detach the busy mount");
        }
    }

    /** Closes the listener and every connection; true once all of it is closed. */
    private static boolean stop(Server server) {
        server.shutdownNow();
        try {
            return server.awaitTermination(SERVER_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
