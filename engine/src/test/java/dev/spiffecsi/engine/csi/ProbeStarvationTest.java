package dev.spiffecsi.engine.csi;

import static dev.spiffecsi.engine.testing.EngineFixture.publish;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.engine.csi.proto.IdentityGrpc;
import dev.spiffecsi.engine.csi.proto.NodeGrpc;
import dev.spiffecsi.engine.csi.proto.ProbeRequest;
import dev.spiffecsi.engine.metrics.CallRecorder;
import dev.spiffecsi.engine.state.StateStore;
import dev.spiffecsi.engine.testing.EngineFixture;
import dev.spiffecsi.engine.testing.FakeBackend;
import dev.spiffecsi.engine.volume.RequestValidator;
import dev.spiffecsi.engine.volume.TargetPathPolicy;
import dev.spiffecsi.engine.volume.VolumeEngine;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The livenessprobe sidecar's Probe must be answered while publishes are slow (fuse-proxy waits up to
 * files-publish-wait, bindmount retries a busy unmount for unmount-busy-timeout): otherwise a publish storm makes
 * the liveness probe fail and the kubelet restarts the driver in the middle of it.
 */
class ProbeStarvationTest {

    @TempDir
    Path root;

    @Test
    void probeIsAnsweredWhileEveryCallThreadIsInASlowPublish() throws Exception {
        Path pods = Files.createDirectories(root.resolve("pods"));
        FakeBackend backend = new FakeBackend();
        VolumeEngine engine = new VolumeEngine(
                new RequestValidator(new TargetPathPolicy(pods), false),
                StateStore.open(Files.createDirectories(root.resolve("state")), pods),
                backend,
                "fake",
                Clock.systemUTC());
        Path socket = Files.createTempDirectory("ps").resolve("csi.sock");
        EpollEventLoopGroup group = new EpollEventLoopGroup(1);
        try (CsiSocketServer server = CsiSocketServer.start(
                socket,
                CsiServices.create("csi.spiffe.io", "t", "n", engine, CallRecorder.NONE),
                Duration.ofSeconds(1))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .eventLoopGroup(group)
                    .channelType(EpollDomainSocketChannel.class)
                    .usePlaintext()
                    .build();
            CountDownLatch everyCallThreadBlocked = backend.blockPublishes(CsiSocketServer.callThreads());
            List<CompletableFuture<?>> publishes = new ArrayList<>();
            for (int i = 0; i < CsiSocketServer.callThreads(); i++) { // as many slow publishes as call threads
                Path target = Files.createDirectories(
                                pods.resolve(EngineFixture.POD_UID + "/volumes/kubernetes.io~csi/" + UUID.randomUUID()))
                        .resolve("mount");
                String volume = "vol-" + i;
                publishes.add(CompletableFuture.runAsync(
                        () -> NodeGrpc.newBlockingStub(channel)
                                .nodePublishVolume(publish(volume, target).build()),
                        runnable -> Thread.ofPlatform().start(runnable)));
            }
            boolean ready;
            try {
                // the probe is only worth sending once the publishes hold every call thread; a generous bound that
                // only a hung or misrouted publish reaches, never a timing the test depends on
                assertTrue(
                        everyCallThreadBlocked.await(30, TimeUnit.SECONDS),
                        "the publishes never held every call " + "thread: " + everyCallThreadBlocked.getCount()
                                + " did not reach the backend");
                ready = IdentityGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(3, TimeUnit.SECONDS) // --probe-timeout
                        .probe(ProbeRequest.getDefaultInstance())
                        .getReady()
                        .getValue();
            } finally {
                backend.releasePublishes();
                CompletableFuture.allOf(publishes.toArray(CompletableFuture[]::new))
                        .get(10, TimeUnit.SECONDS);
                channel.shutdownNow();
            }
            assertTrue(ready);
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
