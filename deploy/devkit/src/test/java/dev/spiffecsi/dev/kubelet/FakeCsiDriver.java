package dev.spiffecsi.dev.kubelet;

import dev.spiffecsi.engine.csi.proto.GetPluginInfoRequest;
import dev.spiffecsi.engine.csi.proto.GetPluginInfoResponse;
import dev.spiffecsi.engine.csi.proto.IdentityGrpc;
import dev.spiffecsi.engine.csi.proto.NodeGetInfoRequest;
import dev.spiffecsi.engine.csi.proto.NodeGetInfoResponse;
import dev.spiffecsi.engine.csi.proto.NodeGrpc;
import dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodePublishVolumeResponse;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A CSI driver on a real Unix socket that records what it is asked and refuses the first calls it is told to
 * refuse (UNAVAILABLE), so that the simulator's requests and retries can be checked.
 */
final class FakeCsiDriver implements AutoCloseable {

    final List<NodePublishVolumeRequest> publishes = new CopyOnWriteArrayList<>();
    final List<NodeUnpublishVolumeRequest> unpublishes = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final EventLoopGroup group = new EpollEventLoopGroup(1);
    private final Server server;

    FakeCsiDriver(Path socket) throws IOException {
        server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(group)
                .workerEventLoopGroup(group)
                .addService(new Identity())
                .addService(new Node())
                .build()
                .start();
    }

    /** The next {@code count} node calls fail with UNAVAILABLE. */
    void failNext(int count) {
        failuresLeft.set(count);
    }

    private boolean refused(StreamObserver<?> response) {
        if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            response.onError(Status.UNAVAILABLE.withDescription("not yet").asRuntimeException());
            return true;
        }
        return false;
    }

    @Override
    public void close() {
        server.shutdownNow();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static final class Identity extends IdentityGrpc.IdentityImplBase {
        @Override
        public void getPluginInfo(GetPluginInfoRequest request, StreamObserver<GetPluginInfoResponse> response) {
            response.onNext(GetPluginInfoResponse.newBuilder()
                    .setName("csi.spiffe.io")
                    .setVendorVersion("1.2.3")
                    .build());
            response.onCompleted();
        }
    }

    private final class Node extends NodeGrpc.NodeImplBase {
        @Override
        public void nodeGetInfo(NodeGetInfoRequest request, StreamObserver<NodeGetInfoResponse> response) {
            response.onNext(NodeGetInfoResponse.newBuilder().setNodeId("node-7").build());
            response.onCompleted();
        }

        @Override
        public void nodePublishVolume(
                NodePublishVolumeRequest request, StreamObserver<NodePublishVolumeResponse> response) {
            publishes.add(request);
            if (!refused(response)) {
                response.onNext(NodePublishVolumeResponse.getDefaultInstance());
                response.onCompleted();
            }
        }

        @Override
        public void nodeUnpublishVolume(
                NodeUnpublishVolumeRequest request, StreamObserver<NodeUnpublishVolumeResponse> response) {
            unpublishes.add(request);
            if (!refused(response)) {
                response.onNext(NodeUnpublishVolumeResponse.getDefaultInstance());
                response.onCompleted();
            }
        }
    }
}
