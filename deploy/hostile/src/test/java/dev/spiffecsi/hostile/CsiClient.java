package dev.spiffecsi.hostile;

import com.google.protobuf.Message;
import dev.spiffecsi.engine.csi.proto.NodeGetVolumeStatsRequest;
import dev.spiffecsi.engine.csi.proto.NodeGrpc;
import dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The fuzzer's CSI client on the driver's socket: one channel (the kubelet multiplexes its calls over one
 * connection too), typed calls, and the same methods with raw bytes for requests that need not decode. Every call
 * has a deadline, so a stalled driver shows as DEADLINE_EXCEEDED instead of a stalled tier. Unlike the devkit's
 * {@code CsiConnection} it sends messages of any size the tier builds (a few MB).
 */
final class CsiClient implements AutoCloseable {

    /** What a call answered. */
    record Outcome(Status.Code code, String description) {
        static Outcome ok() {
            return new Outcome(Status.Code.OK, "");
        }
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw Status.INTERNAL.withCause(e).asRuntimeException();
            }
        }
    };

    private final EventLoopGroup group = new EpollEventLoopGroup(1);
    private final ManagedChannel channel;
    private final Duration deadline;

    CsiClient(Path socket, Duration deadline) {
        this.deadline = deadline;
        this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(group)
                .channelType(EpollDomainSocketChannel.class)
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .usePlaintext()
                .maxInboundMessageSize(16 * 1024 * 1024)
                .build();
    }

    Outcome call(CsiRpc rpc, Message request) {
        NodeGrpc.NodeBlockingStub node =
                NodeGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
        try {
            switch (rpc) {
                case PUBLISH -> node.nodePublishVolume((NodePublishVolumeRequest) request);
                case UNPUBLISH -> node.nodeUnpublishVolume((NodeUnpublishVolumeRequest) request);
                case STATS -> node.nodeGetVolumeStats((NodeGetVolumeStatsRequest) request);
            }
            return Outcome.ok();
        } catch (StatusRuntimeException e) {
            return new Outcome(
                    e.getStatus().getCode(), String.valueOf(e.getStatus().getDescription()));
        }
    }

    /** The same RPC with {@code bytes} as its request message, decodable or not. */
    Outcome callRaw(CsiRpc rpc, byte[] bytes) {
        MethodDescriptor<?, ?> typed = switch (rpc) {
            case PUBLISH -> NodeGrpc.getNodePublishVolumeMethod();
            case UNPUBLISH -> NodeGrpc.getNodeUnpublishVolumeMethod();
            case STATS -> NodeGrpc.getNodeGetVolumeStatsMethod();
        };
        MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(typed.getFullMethodName())
                .setRequestMarshaller(BYTES)
                .setResponseMarshaller(BYTES)
                .build();
        try {
            ClientCalls.blockingUnaryCall(
                    channel,
                    raw,
                    CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS),
                    bytes);
            return Outcome.ok();
        } catch (StatusRuntimeException e) {
            return new Outcome(
                    e.getStatus().getCode(), String.valueOf(e.getStatus().getDescription()));
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
