package dev.spiffecsi.backend.fuseproxy.peer;

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

/**
 * Reads SO_PEERCRED from a newly accepted connection and adds the {@link UnixPeer} to the connection's transport
 * attributes, with the {@link PeerProcess} that tracks its process (by the socket's own pidfd where the kernel has
 * one), closed when the connection closes. A connection
 * whose credentials cannot be read gets no attribute: it is the service's decision (with the context to log it) to
 * refuse its calls.
 */
final class PeerCredentialsHandler extends InternalProtocolNegotiators.ProtocolNegotiationHandler {

    private final PeerProcess.Tracker tracker;

    PeerCredentialsHandler(ChannelHandler next, ChannelLogger negotiationLogger, PeerProcess.Tracker tracker) {
        super(next, negotiationLogger);
        this.tracker = tracker;
    }

    @Override
    protected void protocolNegotiationEventTriggered(ChannelHandlerContext ctx) {
        UnixPeer peer = peerOf(ctx.channel());
        if (peer != null) {
            // the channel is an epoll one (peerOf said so) and open: its fd stays valid for this call
            int socketFd = ((EpollDomainSocketChannel) ctx.channel()).fd().intValue();
            PeerProcess process = peer.pid() > 0 ? tracker.track(socketFd, peer.pid()) : PeerProcess.EXITED;
            // runs at once if the connection is closed already
            var unused = ctx.channel().closeFuture().addListener(closed -> process.close());
            ProtocolNegotiationEvent event = getProtocolNegotiationEvent();
            Attributes attributes = InternalProtocolNegotiationEvent.getAttributes(event).toBuilder()
                    .set(PeerCredentialsNegotiator.PEER, peer)
                    .set(PeerCredentialsNegotiator.PROCESS, process)
                    .build();
            replaceProtocolNegotiationEvent(InternalProtocolNegotiationEvent.withAttributes(event, attributes));
        }
        fireProtocolNegotiationEvent(ctx);
    }

    private static UnixPeer peerOf(Channel channel) {
        if (!(channel instanceof EpollDomainSocketChannel unixChannel)) {
            return null;
        }
        try {
            PeerCredentials credentials = unixChannel.peerCredentials();
            int[] gids = credentials.gids(); // SO_PEERCRED reports the one effective gid
            return new UnixPeer(credentials.pid(), credentials.uid(), gids.length > 0 ? gids[0] : -1);
        } catch (IOException e) {
            return null;
        }
    }
}
