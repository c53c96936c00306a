package dev.spiffecsi.backend.bindmount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.config.ConfigLoader;
import dev.spiffecsi.config.ConfigSources;
import dev.spiffecsi.engine.backend.BackendRegistry;
import dev.spiffecsi.engine.csi.proto.NodeGrpc;
import dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeRequest;
import dev.spiffecsi.engine.runtime.Driver;
import dev.spiffecsi.engine.testing.EngineFixture;
import dev.spiffecsi.spi.contract.ContractFixture;
import dev.spiffecsi.spi.contract.FakeAgentSocket;
import dev.spiffecsi.spi.contract.Privileges;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole driver with the bindmount backend, driven over its real Unix socket the way the kubelet drives it,
 * mounting for real (root, private mount namespace).
 */
class BindMountDriverIntegrationTest {

    @TempDir
    Path tempDir;

    private ContractFixture node;
    private Path csiSocket;
    private Driver driver;
    private EpollEventLoopGroup group;
    private ManagedChannel channel;
    private NodeGrpc.NodeBlockingStub csi;

    @BeforeEach
    void setUp() throws Exception {
        Privileges.assumeCanMountPrivately();
        node = new ContractFixture(tempDir);
        csiSocket = Files.createTempDirectory("bm").resolve("csi.sock");
        driver = startDriver();
        group = new EpollEventLoopGroup(1);
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(csiSocket.toString()))
                .eventLoopGroup(group)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                .build();
        csi = NodeGrpc.newBlockingStub(channel);
    }

    private Driver startDriver() throws IOException {
        Map<String, String> flags = Map.of(
                "spiffe-csi.node-id", "node-1",
                "spiffe-csi.csi-socket-path", csiSocket.toString(),
                "spiffe-csi.workload-api-socket-dir", node.socketDir().toString(),
                "spiffe-csi.kubelet-pods-dir", node.podsDir().toString(),
                "spiffe-csi.state-dir", node.stateDir().toString(),
                "spiffe-csi.backend", "bindmount");
        var config = ConfigLoader.load(
                new ConfigSources(flags, Map.of(), Optional.empty(), getClass().getClassLoader()));
        return Driver.start(config, BackendRegistry.of(List.of(new BindMountProvider())), "test");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (driver != null) {
            driver.close();
        }
        if (node != null) {
            for (String mount : mountsBelow(node.podsDir())) {
                new dev.spiffecsi.engine.os.JnaMountSyscalls().umount2(Path.of(mount), 2);
            }
            node.close();
        }
    }

    private static NodePublishVolumeRequest publish(String volumeId, String target) {
        return EngineFixture.publish(volumeId, target).build();
    }

    private static NodeUnpublishVolumeRequest unpublish(String volumeId, Path target) {
        return NodeUnpublishVolumeRequest.newBuilder()
                .setVolumeId(volumeId)
                .setTargetPath(target.toString())
                .build();
    }

    private Path kubeletTarget() throws IOException {
        Path target = node.newTarget();
        Files.delete(target); // the kubelet creates only the parent; the driver creates the target
        return target;
    }

    /** Mount points at or below {@code dir}, from the mount table (the test may scan it; the driver does not). */
    private static List<String> mountsBelow(Path dir) throws IOException {
        List<String> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mountPoint = line.split(" ")[4];
            if (mountPoint.startsWith(dir.toString())) {
                mounts.add(mountPoint);
            }
        }
        return mounts;
    }

    @Test
    void publishMakesTheAgentReachableReadOnlyAndUnpublishLeavesNothing() throws Exception {
        Path target = kubeletTarget();
        csi.nodePublishVolume(publish("vol-1", target.toString()));

        assertEquals(FakeAgentSocket.GREETING, FakeAgentSocket.greetingAt(target.resolve(ContractFixture.SOCKET_NAME)));
        FileSystemException e =
                assertThrows(FileSystemException.class, () -> Files.writeString(target.resolve("planted"), "x"));
        assertTrue(e.getMessage().contains("Read-only file system"), e.getMessage());

        csi.nodeUnpublishVolume(unpublish("vol-1", target));
        assertEquals(List.of(), mountsBelow(node.podsDir()));
        assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.exists(node.socketDir().resolve(ContractFixture.SOCKET_NAME)), "agent socket untouched");
    }

    @Test
    void aThousandRepublishesLeaveExactlyOneMount() throws Exception {
        Path target = kubeletTarget();
        for (int i = 0; i < 1000; i++) {
            csi.nodePublishVolume(publish("vol-1", target.toString()));
        }
        assertEquals(List.of(target.toString()), mountsBelow(node.podsDir()));
        csi.nodeUnpublishVolume(unpublish("vol-1", target));
        assertEquals(List.of(), mountsBelow(node.podsDir()));
    }

    @Test
    void pathEscapesAreRejectedWithNothingMounted() throws Exception {
        Path outside = Files.createDirectories(tempDir.resolve("outside/volumes/kubernetes.io~csi/spiffe"));
        Files.createSymbolicLink(
                node.podsDir().resolve("evil-pod"), outside.getParent().getParent());
        String pods = node.podsDir().toString();
        List<String> escapes = List.of(
                pods + "/../../outside/volumes/kubernetes.io~csi/spiffe/mount",
                pods + "/evil-pod/volumes/kubernetes.io~csi/spiffe/mount",
                pods + "/uid\0/volumes/kubernetes.io~csi/spiffe/mount",
                pods + "/" + "a/".repeat(2100) + "mount",
                "/etc/mount");
        int mountsBefore = Files.readAllLines(Path.of("/proc/self/mountinfo")).size();
        for (String escape : escapes) {
            StatusRuntimeException e = assertThrows(
                    StatusRuntimeException.class, () -> csi.nodePublishVolume(publish("vol-escape", escape)));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), escape);
            assertTrue(
                    e.getStatus().getDescription().startsWith("target_path"),
                    e.getStatus().getDescription());
        }
        assertEquals(
                mountsBefore,
                Files.readAllLines(Path.of("/proc/self/mountinfo")).size());
        assertFalse(Files.exists(outside.resolve("mount")), "nothing was created outside the pods directory");
    }

    @Test
    void concurrentCallsOnOneVolumeGiveOkOrAbortedAndOneMount() throws Exception {
        Path target = kubeletTarget();
        int callers = 16;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Status.Code>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            Callable<Status.Code> call = () -> {
                start.await();
                try {
                    csi.nodePublishVolume(publish("vol-1", target.toString()));
                    return Status.Code.OK;
                } catch (StatusRuntimeException e) {
                    return e.getStatus().getCode();
                }
            };
            results.add(pool.submit(call));
        }
        start.countDown();
        List<Status.Code> codes = new ArrayList<>();
        for (Future<Status.Code> result : results) {
            codes.add(result.get(30, TimeUnit.SECONDS));
        }
        pool.shutdown();

        assertTrue(codes.contains(Status.Code.OK), codes.toString());
        assertTrue(codes.stream().allMatch(c -> c == Status.Code.OK || c == Status.Code.ABORTED), codes.toString());
        assertEquals(List.of(target.toString()), mountsBelow(node.podsDir()));
    }

    @Test
    void aRepublishRepairsAVolumeWhoseAgentDirectoryWasRecreated() throws Exception {
        Path target = kubeletTarget();
        csi.nodePublishVolume(publish("vol-1", target.toString()));
        Files.move(node.socketDir(), tempDir.resolve("agent-sockets.old")); // the agent's directory is replaced
        Files.createDirectory(node.socketDir());

        csi.nodePublishVolume(publish("vol-1", target.toString()));

        assertEquals(List.of(target.toString()), mountsBelow(node.podsDir()), "the stale bind was replaced");
        var mounts = new dev.spiffecsi.engine.os.JnaMountSyscalls();
        assertTrue(mounts.stat(target).sameFileAs(mounts.stat(node.socketDir())), "it shows the new directory");
        csi.nodeUnpublishVolume(unpublish("vol-1", target));
        assertEquals(List.of(), mountsBelow(node.podsDir()));
        Files.delete(node.socketDir());
        Files.move(tempDir.resolve("agent-sockets.old"), node.socketDir()); // for the fixture's clean-up
    }

    @Test
    void publishedVolumesSurviveADriverRestart() throws Exception {
        Path target = kubeletTarget();
        csi.nodePublishVolume(publish("vol-1", target.toString()));
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        driver.close();
        assertEquals(List.of(target.toString()), mountsBelow(node.podsDir()), "shutdown keeps the mount");

        driver = startDriver();
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(csiSocket.toString()))
                .eventLoopGroup(group)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                .build();
        csi = NodeGrpc.newBlockingStub(channel);
        csi.nodePublishVolume(publish("vol-1", target.toString()));
        StatusRuntimeException other = assertThrows(
                StatusRuntimeException.class, () -> csi.nodePublishVolume(publish("vol-2", target.toString())));
        assertEquals(Status.Code.ALREADY_EXISTS, other.getStatus().getCode(), "the record survived too");
        assertEquals(List.of(target.toString()), mountsBelow(node.podsDir()));

        csi.nodeUnpublishVolume(unpublish("vol-1", target));
        assertEquals(List.of(), mountsBelow(node.podsDir()));
    }
}
