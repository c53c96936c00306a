package dev.spiffecsi.backend.fuseproxy.peer;

import io.grpc.Attributes;
import io.grpc.ServerCall;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.util.Optional;

/**
 * Plaintext gRPC on a Unix socket, with the connecting process's credentials (SO_PEERCRED) added to every
 * connection's transport attributes, and its process tracked for as long as the connection lasts (a pidfd: see
 * {@link PeerProcess}). Install it on a server listening on an epoll Unix socket with
 * {@code NettyServerBuilder.protocolNegotiator(new PeerCredentialsNegotiator())}, then read the caller of a call with
 * {@link #peerOf}.
 *
 * <p>gRPC's public server API never shows the netty channel: a {@code ServerTransportFilter} sees only the remote
 * address, which is empty for a Unix socket client. Protocol negotiation is the one step where a handler sees the
 * channel and may still change the transport attributes; it is how grpc-netty itself attaches the TLS session. The
 * hook is grpc-netty's {@code Internal*} API, so a grpc upgrade may need this class adjusted.
 */
public final class PeerCredentialsNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {

    /** The transport attribute holding the {@link UnixPeer}; absent when the kernel did not tell. */
    public static final Attributes.Key<UnixPeer> PEER = Attributes.Key.create("dev.spiffecsi.unix-peer");

    /** The transport attribute tracking the {@link UnixPeer}'s process; present with it (when its pid is known). */
    public static final Attributes.Key<PeerProcess> PROCESS = Attributes.Key.create("dev.spiffecsi.peer-process");

    private final InternalProtocolNegotiator.ProtocolNegotiator plaintext =
            InternalProtocolNegotiators.serverPlaintext();
    private final PeerProcess.Tracker tracker;

    /** Tracks every peer's process with a pidfd (see {@link PidFd}). */
    public PeerCredentialsNegotiator() {
        this(PeerProcess.Tracker.PIDFD);
    }

    /**
     * @param tracker starts tracking each peer's process when it connects; what it returns is closed with the
     *                connection
     */
    public PeerCredentialsNegotiator(PeerProcess.Tracker tracker) {
        this.tracker = tracker;
    }

    /**
     * The process that opened the connection a call arrived on; empty when the connection is not an epoll Unix
     * socket or its credentials could not be read, in which case the caller must be refused.
     */
    public static Optional<UnixPeer> peerOf(ServerCall<?, ?> call) {
        return Optional.ofNullable(call.getAttributes().get(PEER));
    }

    /**
     * Whether the process that opened the connection a call arrived on is still the one its pid names; reported as
     * exited when the connection has no tracked peer.
     */
    public static PeerProcess processOf(ServerCall<?, ?> call) {
        PeerProcess process = call.getAttributes().get(PROCESS);
        return process != null ? process : PeerProcess.EXITED;
    }

    @Override
    public AsciiString scheme() {
        return plaintext.scheme();
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return new PeerCredentialsHandler(
                plaintext.newHandler(grpcHandler), grpcHandler.getNegotiationLogger(), tracker);
    }

    @Override
    public void close() {
        plaintext.close();
    }
}
