package dev.spiffecsi.dev.agent;

import dev.spiffecsi.backend.fuseproxy.peer.PeerCredentialsNegotiator;
import dev.spiffecsi.engine.csi.CsiSocketServer;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the dev agent's sockets (the Workload API, the Delegated Identity API): one gRPC service on a Unix socket
 * that every local user may connect to, as to a SPIRE agent's sockets. Callers are told apart by the peer
 * credentials of their connection, which {@link PeerCredentialsNegotiator} hands to every call, not by who can reach
 * the socket.
 *
 * <p>Not the driver's CSI socket ({@link CsiSocketServer}, whose path preparation it shares), nor a fuse-proxy
 * volume's Workload API server, which the backend builds with its per-volume limits on shared threads.
 */
final class DevAgentSocketServer {

    private static final Logger LOG = LoggerFactory.getLogger(DevAgentSocketServer.class);

    private final String api;
    private final Path socket;
    private final Server server;

    private DevAgentSocketServer(String api, Path socket, Server server) {
        this.api = api;
        this.socket = socket;
        this.server = server;
    }

    /**
     * Serves {@code service} on {@code socket} with the agent's event loops.
     *
     * @param api what the service is, for messages
     */
    static DevAgentSocketServer start(
            String api, Path socket, ServerServiceDefinition service, EventLoopGroup boss, EventLoopGroup workers)
            throws IOException {
        CsiSocketServer.prepareSocketPath(socket);
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .protocolNegotiator(new PeerCredentialsNegotiator())
                // grpc sets SO_KEEPALIVE on every connection; a Unix socket has none, and netty warns each time
                .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                .addService(service)
                .build();
        try {
            server.start();
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException | RuntimeException e) {
            server.shutdownNow();
            throw new IOException("cannot serve " + api + " on " + socket + ": " + e.getMessage(), e);
        }
        return new DevAgentSocketServer(api, socket, server);
    }

    Path socket() {
        return socket;
    }

    /** Refuses new calls; the calls in progress go on. */
    void shutdown() {
        server.shutdown();
    }

    void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /** Waits for the calls in progress until {@code deadline}, cancels those left, and removes the socket. */
    void finish(Instant deadline) {
        try {
            long wait = Math.max(0, Duration.between(Instant.now(), deadline).toMillis());
            if (!server.awaitTermination(wait, TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("cannot remove the socket of {}, {}: {}", api, socket, e.getMessage());
        }
    }
}
