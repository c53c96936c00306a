package dev.spiffecsi.bench;

import com.google.protobuf.BoolValue;
import dev.spiffecsi.dev.kubelet.CsiConnection;
import dev.spiffecsi.dev.kubelet.KubeletRequests;
import dev.spiffecsi.dev.kubelet.Pod;
import dev.spiffecsi.dev.kubelet.PodVolumeLayout;
import dev.spiffecsi.engine.csi.proto.IdentityGrpc;
import dev.spiffecsi.engine.csi.proto.NodeGrpc;
import dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodePublishVolumeResponse;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeResponse;
import dev.spiffecsi.engine.csi.proto.ProbeRequest;
import dev.spiffecsi.engine.csi.proto.ProbeResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Warms this JVM's own gRPC client before it times a driver: a throw-away server on a temporary socket in this
 * process answers Probe (each time on a fresh connection) and NodePublishVolume / NodeUnpublishVolume (on one
 * connection, with the kubelet's requests), until the client's paths are compiled. Without it the first calls
 * would charge the benchmark's own class loading, interpretation and JIT compilation to the driver; the kubelet
 * (Go) has none of that.
 */
final class ClientWarmup {

    private ClientWarmup() {}

    static void run(int probes, int nodeCalls) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("spiffecsi-bench-warm");
        Path socket = dir.resolve("warm.sock");
        EventLoopGroup group = new EpollEventLoopGroup(1);
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(group)
                .workerEventLoopGroup(group)
                // domain sockets have no TCP keepalive; without this netty warns on every accepted connection
                .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                .addService(new IdentityGrpc.IdentityImplBase() {
                    @Override
                    public void probe(ProbeRequest request, StreamObserver<ProbeResponse> response) {
                        response.onNext(ProbeResponse.newBuilder()
                                .setReady(BoolValue.of(true))
                                .build());
                        response.onCompleted();
                    }
                })
                .addService(new NodeGrpc.NodeImplBase() {
                    @Override
                    public void nodePublishVolume(
                            NodePublishVolumeRequest request, StreamObserver<NodePublishVolumeResponse> response) {
                        response.onNext(NodePublishVolumeResponse.getDefaultInstance());
                        response.onCompleted();
                    }

                    @Override
                    public void nodeUnpublishVolume(
                            NodeUnpublishVolumeRequest request, StreamObserver<NodeUnpublishVolumeResponse> response) {
                        response.onNext(NodeUnpublishVolumeResponse.getDefaultInstance());
                        response.onCompleted();
                    }
                })
                .build()
                .start();
        try {
            for (int i = 0; i < probes; i++) {
                try (CsiConnection connection = CsiConnection.open(socket)) {
                    connection.identity(Duration.ofSeconds(5)).probe(ProbeRequest.getDefaultInstance());
                }
            }
            if (nodeCalls > 0) {
                PodVolumeLayout layout = new PodVolumeLayout(dir);
                try (CsiConnection connection = CsiConnection.open(socket)) {
                    for (int i = 0; i < nodeCalls; i++) {
                        Pod pod = new Pod(
                                "warm-" + i,
                                "bench",
                                UUID.randomUUID().toString(),
                                "default",
                                Pod.DEFAULT_VOLUME_NAME,
                                true);
                        connection.node().nodePublishVolume(KubeletRequests.publish(layout, pod));
                        connection.node().nodeUnpublishVolume(KubeletRequests.unpublish(layout, pod));
                    }
                }
            }
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }
}
