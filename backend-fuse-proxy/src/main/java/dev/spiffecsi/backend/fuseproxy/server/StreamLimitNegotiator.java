package dev.spiffecsi.backend.fuseproxy.server;

import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.util.AsciiString;

/**
 * Enforces the limit of concurrent streams per connection from the connection's first frame. HTTP/2 applies a
 * server's SETTINGS_MAX_CONCURRENT_STREAMS only once the client acknowledges the server's settings, and a hostile
 * client never does: until then netty would accept any number of streams. The limit is set on the connection
 * directly, so that a stream beyond it is refused (RST_STREAM REFUSED_STREAM) whatever the client acknowledged.
 * Wraps the negotiator that does the real work (see {@code PeerCredentialsNegotiator}).
 */
final class StreamLimitNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {

    private final InternalProtocolNegotiator.ProtocolNegotiator delegate;
    private final int maxStreams;

    StreamLimitNegotiator(InternalProtocolNegotiator.ProtocolNegotiator delegate, int maxStreams) {
        this.delegate = delegate;
        this.maxStreams = maxStreams;
    }

    @Override
    public AsciiString scheme() {
        return delegate.scheme();
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        grpcHandler.connection().remote().maxActiveStreams(maxStreams);
        return delegate.newHandler(grpcHandler);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
