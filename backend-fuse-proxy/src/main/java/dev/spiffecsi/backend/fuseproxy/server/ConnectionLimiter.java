package dev.spiffecsi.backend.fuseproxy.server;

import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import dev.spiffecsi.backend.fuseproxy.workload.RateLimitedLog;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * Admits a volume's new connections while the volume and the node are under their connection limits, and closes
 * any other at once. It sits on the listening socket, ahead of what hands each accepted connection to gRPC: a
 * refused connection never gets a pipeline of its own, an HTTP/2 codec or a gRPC transport, so a flood of them
 * costs a few short-lived objects each and nothing that stays. A held connection is counted until it closes.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {

    private final VolumeLabel volume;
    private final Budget own;
    private final Budget node;
    private final RateLimitedLog refusals;

    ConnectionLimiter(VolumeLabel volume, Budget own, Budget node, System.Logger log) {
        this.volume = volume;
        this.own = own;
        this.node = node;
        this.refusals = new RateLimitedLog(log, Level.WARNING);
    }

    /** A listening Unix socket whose accepted connections pass this limiter first. */
    EpollServerDomainSocketChannel newServerChannel() {
        EpollServerDomainSocketChannel channel = new EpollServerDomainSocketChannel();
        // added before the server bootstrap adds its acceptor, which is what hands a connection to gRPC
        channel.pipeline().addLast(this);
        return channel;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        Channel accepted = (Channel) message;
        if (!own.tryAcquire()) {
            refuse(
                    accepted,
                    "the volume has " + own.limit() + " connections open, the most limits.max-connections " + "admits");
            return;
        }
        if (!node.tryAcquire()) {
            own.release();
            refuse(
                    accepted,
                    "the driver has " + node.limit() + " Workload API connections open on the node's "
                            + "volumes, the most limits.node-max-connections admits");
            return;
        }
        // a connection whose registration with an event loop fails (only while the server shuts down) is closed
        // without this future completing: its count then stays, on a server that is going away
        var unused = accepted.closeFuture().addListener(closed -> {
            own.release();
            node.release();
        });
        ctx.fireChannelRead(accepted);
    }

    private void refuse(Channel accepted, String why) {
        refusals.log(() -> volume + ": refused a Workload API connection from " + peerOf(accepted) + ": " + why
                + "; closed at once");
        // not registered with an event loop yet: closing releases the socket and nothing else is held
        accepted.unsafe().closeForcibly();
    }

    private static String peerOf(Channel accepted) {
        if (accepted instanceof EpollDomainSocketChannel unix) {
            try {
                PeerCredentials credentials = unix.peerCredentials();
                return "pid=" + credentials.pid() + " uid=" + credentials.uid();
            } catch (IOException e) {
                // the process has hung up already; it is refused all the same
            }
        }
        return "an unidentified process";
    }
}
