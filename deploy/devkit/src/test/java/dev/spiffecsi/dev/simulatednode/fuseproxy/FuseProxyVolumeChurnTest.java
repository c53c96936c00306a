package dev.spiffecsi.dev.simulatednode.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.dev.demo.Leftovers;
import dev.spiffecsi.dev.kubelet.Pod;
import dev.spiffecsi.dev.workload.WorkloadEndpoint;
import dev.spiffecsi.spi.contract.Privileges;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fifty volumes published at once through the kubelet simulator, each answering a Workload API call, then
 * unpublished at once, must leave nothing behind: no mount, no thread, no file descriptor.
 *
 * <p>The driver runs in this process, so its threads and descriptors are counted with the test's. A first round
 * of the same work runs before the baseline is taken, so that what grows once and is then reused is part of it:
 * gRPC's shared executor (a cached pool whose idle threads live 60 s; the CSI server runs each publish on one), the
 * test's own fifty pod threads, lazily opened jars. The second round must then come back to within
 * {@value #TOLERANCE} of the baseline: a cached pool may still add a thread or two when the second round happens
 * to overlap more, and an event loop may close a connection a moment late; a leak of anything per volume (its
 * FUSE device, serving thread, listener, directory handle, a workload's connection) would show as fifty.
 */
class FuseProxyVolumeChurnTest {

    private static final int VOLUMES = 50;
    private static final int TOLERANCE = 10;
    private static final Duration SETTLE_PATIENCE = Duration.ofSeconds(30);

    private ProxiedNode node;
    private EventLoopGroup eventLoops;
    private ExecutorService pods;

    @BeforeEach
    void setUp() throws Exception {
        Privileges.assumeCanMountPrivately();
        node = ProxiedNode.start(List.of());
        eventLoops = new EpollEventLoopGroup(1);
        pods = Executors.newFixedThreadPool(VOLUMES);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (pods != null) {
            pods.shutdownNow();
        }
        if (eventLoops != null) {
            eventLoops.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void fiftyVolumesPublishedUsedAndUnpublishedConcurrentlyLeaveNoMountThreadOrFileDescriptor() throws Exception {
        churn("warm-up");
        ProcessResources baseline = ProcessResources.atRest(SETTLE_PATIENCE);

        churn("measured");
        ProcessResources after = ProcessResources.settledNear(baseline, TOLERANCE, SETTLE_PATIENCE);

        System.out.printf(
                "%d volumes published, used and unpublished concurrently: %s before, %s after%n",
                VOLUMES, baseline, after);
        assertTrue(after.within(baseline, TOLERANCE), "before: " + baseline + "; after: " + after);
    }

    /** One round: every volume published, then each called once, then every one unpublished; nothing left. */
    private void churn(String round) throws Exception {
        List<Pod> volumes = IntStream.range(0, VOLUMES)
                .mapToObj(i -> Pod.of(round + "-" + i, "default", "default"))
                .toList();
        List<Path> targets = concurrently(i -> () -> node.kubelet().publish(volumes.get(i)));
        assertEquals(VOLUMES, Leftovers.mountsBelow(node.layout().podsDir()).size(), "one mount per volume");

        List<String> identities = concurrently(i -> () -> identityThrough(targets.get(i), round.charAt(0) + "" + i));
        assertEquals(
                List.of(node.driverId().toString()),
                identities.stream().distinct().toList());

        concurrently(i -> () -> {
            node.kubelet().unpublish(volumes.get(i));
            return null;
        });
        assertEquals(List.of(), Leftovers.mountsBelow(node.layout().podsDir()));
        for (Path target : targets) {
            assertTrue(Files.notExists(target, LinkOption.NOFOLLOW_LINKS), target + " is left");
        }
    }

    private String identityThrough(Path target, String linkName) throws Exception {
        WorkloadEndpoint endpoint = node.endpointIn(target, linkName);
        try (RawWorkloadApi api = new RawWorkloadApi(ProxiedNode.socketOf(endpoint), eventLoops)) {
            return api.firstX509Svid().getSvids(0).getSpiffeId();
        } finally {
            endpoint.removeAlias();
        }
    }

    /** Runs the task for every volume at once, and returns the results in volume order. */
    private <T> List<T> concurrently(IntFunction<Callable<T>> task) throws Exception {
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 0; i < VOLUMES; i++) {
            futures.add(pods.submit(task.apply(i)));
        }
        List<T> results = new ArrayList<>();
        for (Future<T> future : futures) {
            results.add(future.get());
        }
        return results;
    }
}
