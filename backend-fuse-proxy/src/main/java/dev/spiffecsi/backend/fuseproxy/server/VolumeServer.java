package dev.spiffecsi.backend.fuseproxy.server;

import dev.spiffecsi.backend.fuseproxy.fuse.FuseMount;
import dev.spiffecsi.backend.fuseproxy.fuse.FuseOptions;
import dev.spiffecsi.backend.fuseproxy.peer.PeerCredentialsNegotiator;
import dev.spiffecsi.backend.fuseproxy.peer.PeerProcess;
import dev.spiffecsi.backend.fuseproxy.workload.VolumeLabel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One published volume: a {@link FuseMount} at the target and a gRPC server listening on the one socket inside it.
 *
 * <p>The listener is bound through a {@link DirectoryHandle} alias, which stays open until the server has
 * terminated: netty unlinks its socket by the bound path when the listener closes, and a closed alias fd could by
 * then name another volume's directory. Order on the way down: server (listener and every connection), alias,
 * mount: the listener and the alias both keep the mount busy.
 */
public final class VolumeServer {

    private static final Duration SERVER_STOP_TIMEOUT = Duration.ofSeconds(5);

    private final VolumeLabel volume;
    private final FuseMount mount;
    private final DirectoryHandle directory;
    private final Server server;
    private final System.Logger log;

    private VolumeServer(VolumeLabel volume, FuseMount mount, DirectoryHandle directory, Server server,
                         System.Logger log) {
        this.volume = volume;
        this.mount = mount;
        this.directory = directory;
        this.server = server;
        this.log = log;
    }

    /**
     * Mounts the filesystem at the volume's target (on top of whatever is mounted there) and serves {@code service}
     * on {@code socketName} in it, with the given mode; each client's process is tracked with {@code processes} for
     * as long as its connection lasts. On failure nothing is left: no server, no mount.
     */
    public static VolumeServer start(VolumeLabel volume, String socketName, Set<PosixFilePermission> socketMode,
                                     ServerServiceDefinition service, SharedTransport transport, FuseOptions fuse,
                                     PeerProcess.Tracker processes) throws IOException {
        FuseMount mount = FuseMount.mount(volume.target(), socketName, fuse);
        DirectoryHandle directory = null;
        Server server = null;
        try {
            directory = DirectoryHandle.open(volume.target());
            server = NettyServerBuilder.forAddress(new DomainSocketAddress(directory.alias(socketName).toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(transport.eventLoops())
                    .workerEventLoopGroup(transport.eventLoops())
                    .executor(transport.calls())
                    .protocolNegotiator(new PeerCredentialsNegotiator(processes))
                    // grpc sets SO_KEEPALIVE on every connection; a Unix socket has none, and netty warns each time
                    .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                    .addService(service)
                    .build()
                    .start();
            // bind(2) applied the driver's umask; the filesystem lets the driver, and only it, chmod the socket
            Files.setPosixFilePermissions(directory.alias(socketName), socketMode);
            return new VolumeServer(volume, mount, directory, server, fuse.logger());
        } catch (IOException | RuntimeException e) {
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

    /**
     * Whether the volume serves the Workload API: the listener is up (a {@link #close} that failed to unmount has
     * stopped it already) and the mount is still there and served (see {@link FuseMount#isAlive}).
     */
    public boolean isAlive() {
        return !server.isShutdown() && mount.isAlive();
    }

    /** Whether the filesystem is still mounted and served, whether or not the listener is up. */
    public boolean isMounted() {
        return mount.isAlive();
    }

    /**
     * Stops serving and unmounts: the listener and every connection first, so that nothing keeps the mount busy.
     * Clients see their connections closed, then the socket gone.
     *
     * @throws IOException if unmounting fails; the server is stopped then, and close may be called again
     */
    public void close() throws IOException {
        stopServer();
        mount.close();
    }

    /**
     * Stops serving, for a driver that shuts down, without unmounting: the filesystem dies with this process, and the
     * next driver process mounts a new one on top of it ({@code resume}), where a pod's mount propagation lets it in.
     */
    public void abandon() {
        stopServer();
    }

    private void stopServer() {
        if (stop(server)) {
            directory.close();
        } else {
            log.log(Level.ERROR, volume + ": the Workload API server did not stop within " + SERVER_STOP_TIMEOUT
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
