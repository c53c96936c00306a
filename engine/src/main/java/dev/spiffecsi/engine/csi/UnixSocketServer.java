package dev.spiffecsi.engine.csi;

import dev.spiffecsi.engine.os.Umask;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gRPC server on a Unix domain socket, with netty's epoll transport. The socket is created with mode 0600;
 * a stale socket from an earlier run is removed, but anything else at the path is refused, never deleted.
 */
public final class UnixSocketServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UnixSocketServer.class);
    private static final int OWNER_ONLY_UMASK = 0177;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path socket;
    private final Server server;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Duration grace;

    private UnixSocketServer(Path socket, Server server, EventLoopGroup boss, EventLoopGroup workers,
                             Duration grace) {
        this.socket = socket;
        this.server = server;
        this.boss = boss;
        this.workers = workers;
        this.grace = grace;
    }

    /**
     * Binds {@code socket} and starts serving.
     *
     * @param grace how long in-flight calls may run on {@link #close()}
     */
    public static UnixSocketServer start(Path socket, List<ServerServiceDefinition> services, Duration grace)
            throws IOException {
        if (!Epoll.isAvailable()) {
            throw new IOException("netty epoll transport unavailable: " + Epoll.unavailabilityCause());
        }
        prepareSocketPath(socket);
        EventLoopGroup boss = new EpollEventLoopGroup(1);
        EventLoopGroup workers = new EpollEventLoopGroup(2);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                // domain sockets have no TCP keepalive; without this netty warns on every accepted connection
                .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                .permitKeepAliveWithoutCalls(true)
                .permitKeepAliveTime(10, TimeUnit.SECONDS);
        services.forEach(builder::addService);
        Server server = builder.build();
        try {
            Umask.with(OWNER_ONLY_UMASK, server::start);
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            server.shutdownNow();
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("cannot serve on " + socket + ": " + e.getMessage(), e);
        }
        LOG.info("serving CSI on unix://{}", socket);
        return new UnixSocketServer(socket, server, boss, workers, grace);
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
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("cannot remove socket {}: {}", socket, e.getMessage());
        }
    }
}
