package dev.spiffecsi.dev.agent;

import io.grpc.Attributes;
import io.grpc.ChannelLogger;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads SO_PEERCRED from a newly accepted Unix socket connection and adds the {@link Caller} to the connection's
 * transport attributes, where every call on the connection finds it ({@code ServerCall.getAttributes()}).
 *
 * <p>gRPC's public server API never shows the netty channel: a {@code ServerTransportFilter} sees only the
 * remote address, which is empty for a Unix socket client. Protocol negotiation is the one step where a handler
 * sees the channel and may still change the transport attributes; it is how grpc-netty itself attaches the TLS
 * session. The hook is grpc-netty's {@code Internal*} API, so a grpc upgrade may need this class adjusted.
 */
final class PeerCredentialsHandler extends InternalProtocolNegotiators.ProtocolNegotiationHandler {

    static final Attributes.Key<Caller> CALLER = Attributes.Key.create("dev.spiffecsi.dev.agent.caller");

    private static final Logger LOG = LoggerFactory.getLogger(PeerCredentialsHandler.class);

    PeerCredentialsHandler(ChannelHandler next, ChannelLogger negotiationLogger) {
        super(next, negotiationLogger);
    }

    @Override
    protected void protocolNegotiationEventTriggered(ChannelHandlerContext ctx) {
        Caller caller = callerOf(ctx.channel());
        if (caller != null) {
            ProtocolNegotiationEvent event = getProtocolNegotiationEvent();
            Attributes attributes = InternalProtocolNegotiationEvent.getAttributes(event).toBuilder()
                    .set(CALLER, caller).build();
            replaceProtocolNegotiationEvent(InternalProtocolNegotiationEvent.withAttributes(event, attributes));
        }
        fireProtocolNegotiationEvent(ctx);
    }

    /** The peer's credentials; {@code null} (and every call refused) when the kernel does not tell. */
    private static Caller callerOf(Channel channel) {
        if (!(channel instanceof EpollDomainSocketChannel unixChannel)) {
            LOG.warn("connection {} is not an epoll Unix socket; its callers cannot be identified", channel);
            return null;
        }
        try {
            PeerCredentials credentials = unixChannel.peerCredentials();
            return new Caller(credentials.pid(), credentials.uid());
        } catch (IOException e) {
            LOG.warn("cannot read the peer credentials (SO_PEERCRED) of connection {}; its callers will be "
                    + "refused: {}", channel, e.getMessage());
            return null;
        }
    }
}
