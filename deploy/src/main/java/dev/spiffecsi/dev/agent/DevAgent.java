package dev.spiffecsi.dev.agent;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A SPIFFE Workload API server on a Unix socket, for the demo and the tests. <strong>Not for production</strong>:
 * its CA and JWT keys exist only in memory and never rotate, it attests workloads by nothing but their Unix uid,
 * and it has no registration API, no federation and no node attestation. Use SPIRE for anything real.
 *
 * <p>It serves FetchX509SVID, FetchX509Bundles, FetchJWTSVID, FetchJWTBundles and ValidateJWTSVID. Callers are
 * told apart by the kernel's peer credentials of their connection, matched against the registration entries.
 */
public final class DevAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DevAgent.class);
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path socket;
    private final Server server;
    private final UpdateStreams streams;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;

    private DevAgent(Path socket, Server server, UpdateStreams streams, EventLoopGroup boss,
                     EventLoopGroup workers) {
        this.socket = socket;
        this.server = server;
        this.streams = streams;
        this.boss = boss;
        this.workers = workers;
    }

    /** Creates the trust domain's keys and serves the Workload API on {@code settings.socket()}. */
    public static DevAgent start(DevAgentSettings settings) throws IOException {
        if (!Epoll.isAvailable()) {
            throw new IOException("netty epoll transport unavailable: " + Epoll.unavailabilityCause());
        }
        LOG.warn("the dev SPIFFE agent is for demos and tests only, never for production: its keys live in "
                + "memory and never rotate, and it attests workloads by Unix uid alone");
        Path socket = settings.socket();
        prepareSocketPath(socket);
        UpdateStreams streams = new UpdateStreams();
        WorkloadApiService service = new WorkloadApiService(settings.trustDomain(),
                new Registrations(settings.entries(), settings.defaultId()),
                CertificateAuthority.create(settings.trustDomain()), JwtAuthority.create(settings.trustDomain()),
                settings.svidTtl(), streams);
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .protocolNegotiator(new PeerCredentialsNegotiator())
                // grpc sets SO_KEEPALIVE on every connection; a Unix socket has none, and netty warns each time
                .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                .addService(ServerInterceptors.intercept(service, new WorkloadApiInterceptor()))
                .build();
        try {
            server.start();
            // every local user may connect, as to a SPIRE agent: callers are told apart by their credentials
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException | RuntimeException e) {
            server.shutdownNow();
            streams.close();
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("cannot serve the Workload API on " + socket + ": " + e.getMessage(), e);
        }
        LOG.info("dev SPIFFE agent serving the Workload API on unix://{}: trust domain {}, SVID TTL {}s, "
                        + "default identity {}, entries {}", socket, settings.trustDomain(),
                settings.svidTtl().toSeconds(), settings.defaultId(), settings.entries());
        return new DevAgent(socket, server, streams, boss, workers);
    }

    /** A socket left by an earlier run is replaced; anything else at the path is refused, never deleted. */
    private static void prepareSocketPath(Path socket) throws IOException {
        Files.createDirectories(socket.getParent());
        try {
            int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) != S_IFSOCK) {
                throw new IOException("refusing to replace " + socket + ": it exists and is not a socket");
            }
            Files.delete(socket);
        } catch (NoSuchFileException e) {
            // nothing left from an earlier run
        }
    }

    public Path socket() {
        return socket;
    }

    /** Blocks until the agent stops. */
    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /** Refuses new calls, ends the open streams so their clients see a clean end, and removes the socket. */
    @Override
    public void close() {
        server.shutdown();
        streams.close();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
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
            LOG.warn("cannot remove the Workload API socket {}: {}", socket, e.getMessage());
        }
    }
}
