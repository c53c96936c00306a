package dev.spiffecsi.dev.simulatednode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spiffecsi.dev.demo.Leftovers;
import dev.spiffecsi.dev.demo.NodeLayout;
import dev.spiffecsi.dev.kubelet.Pod;
import dev.spiffecsi.dev.testing.RunningNode;
import dev.spiffecsi.dev.workload.ExampleWorkload;
import dev.spiffecsi.dev.workload.WorkloadEndpoint;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.svid.x509svid.X509SvidValidator;
import io.spiffe.workloadapi.X509Context;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole chain for one backend: the dev SPIFFE agent, the driver serving CSI on its real Unix socket, the
 * kubelet simulator publishing pod volumes concurrently, and the java-spiffe client in each pod reading its
 * identity through its own target path.
 */
abstract class EndToEndTest {

    private static final int PODS = 20;
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final SpiffeId WORKLOAD = SpiffeId.parse("spiffe://example.org/workload");

    private RunningNode node;

    /** The backend under test. */
    protected abstract String backend();

    /** Skips the tests where the backend cannot run. */
    protected void assumeBackendCanRun() {}

    @BeforeEach
    void setUp() throws Exception {
        assumeBackendCanRun();
        node = RunningNode.start(backend());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void concurrentlyPublishedPodsEachReadTheirSvidThroughTheirOwnTargetPathAndLeaveNothingBehind() throws Exception {
        List<Pod> pods = IntStream.range(0, PODS)
                .mapToObj(i -> Pod.of("workload-" + i, "default", "default"))
                .toList();
        ExecutorService executor = Executors.newFixedThreadPool(PODS);
        try {
            List<Path> targets = all(
                    executor,
                    pods.stream()
                            .map(pod -> (Callable<Path>) () -> node.kubelet().publish(pod))
                            .toList());
            assertPublished(targets, node.layout());

            List<X509Context> received = all(
                    executor,
                    IntStream.range(0, PODS)
                            .mapToObj(
                                    i -> (Callable<X509Context>) () -> readIdentityThrough(targets.get(i), "pod-" + i))
                            .toList());

            for (X509Context context : received) {
                assertEquals(WORKLOAD, context.getDefaultSvid().getSpiffeId());
                X509SvidValidator.verifyChain(context.getDefaultSvid().getChain(), context.getX509BundleSet());
            }
            all(
                    executor,
                    pods.stream()
                            .map(pod -> (Callable<Void>) () -> {
                                node.kubelet().unpublish(pod);
                                return null;
                            })
                            .toList());
            for (Path target : targets) {
                assertEquals(List.of(), Leftovers.after(target, node.root()));
            }
        } finally {
            executor.shutdownNow();
        }
    }

    /** What the backend made at each target, checked before the workloads rely on it. */
    protected abstract void assertPublished(List<Path> targets, NodeLayout layout) throws Exception;

    private X509Context readIdentityThrough(Path target, String linkName) throws Exception {
        WorkloadEndpoint endpoint = WorkloadEndpoint.reach(
                target.resolve(NodeLayout.AGENT_SOCKET_NAME), node.layout().shortLink(linkName));
        try (ExampleWorkload workload = ExampleWorkload.connect(endpoint.address())) {
            return workload.firstUpdate(PATIENCE);
        } finally {
            endpoint.removeAlias();
        }
    }

    private static <T> List<T> all(ExecutorService executor, List<Callable<T>> tasks) throws Exception {
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> task : tasks) {
            futures.add(executor.submit(task));
        }
        List<T> results = new ArrayList<>();
        for (Future<T> future : futures) {
            results.add(future.get());
        }
        return results;
    }
}
