package dev.spiffecsi.dev.simulatednode.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spiffecsi.dev.kubelet.Pod;
import dev.spiffecsi.dev.workload.ExampleWorkload;
import dev.spiffecsi.dev.workload.WorkloadEndpoint;
import dev.spiffecsi.spi.contract.Privileges;
import io.spiffe.workloadapi.X509Context;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Measures, and prints, how long the java-spiffe client takes from its creation to its first X.509 context through
 * a fuse-proxy volume, against the dev agent's own Workload API socket: what a workload waits for at startup. The
 * two alternate, so that a change of pace of the machine affects both alike. The difference is the proxy's cost:
 * the extra hop to the agent's admin socket (a connection the driver already holds), reading the caller's
 * credentials, the agent attesting the pid from /proc, and the join with the bundles. No timed assertion: a shared
 * machine's numbers are not a specification.
 */
class FuseProxyFirstSvidLatencyTest {

    private static final int WARM_UP = 5;
    private static final int RUNS = 25;
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private ProxiedNode node;

    @BeforeEach
    void setUp() throws Exception {
        Privileges.assumeCanMountPrivately();
        node = ProxiedNode.start(List.of());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void printsTheFirstSvidLatencyThroughTheProxyAndDirectlyFromTheAgent() throws Exception {
        Path target = node.kubelet().publish(Pod.of("web", "default", "default"));
        WorkloadEndpoint endpoint = node.endpointIn(target, "latency");
        String proxy = endpoint.address();
        String agent = "unix://" + node.agentSocket();
        try {
            for (int i = 0; i < WARM_UP; i++) {
                millisToFirstSvid(proxy);
                millisToFirstSvid(agent);
            }
            List<Double> throughProxy = new ArrayList<>();
            List<Double> fromAgent = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                throughProxy.add(millisToFirstSvid(proxy));
                fromAgent.add(millisToFirstSvid(agent));
            }
            System.out.printf(
                    "java-spiffe client, creation to first X.509 context, %d runs each after %d warm-up: "
                            + "through the fuse-proxy median %.2f ms (p90 %.2f ms); from the dev agent's socket "
                            + "median %.2f ms (p90 %.2f ms)%n",
                    RUNS,
                    WARM_UP,
                    percentile(throughProxy, 50),
                    percentile(throughProxy, 90),
                    percentile(fromAgent, 50),
                    percentile(fromAgent, 90));
        } finally {
            endpoint.removeAlias();
        }
    }

    private double millisToFirstSvid(String address) throws Exception {
        long start = System.nanoTime();
        ExampleWorkload workload = ExampleWorkload.connect(address);
        try {
            X509Context context = workload.firstUpdate(PATIENCE);
            double millis = (System.nanoTime() - start) / 1e6;
            assertEquals(node.driverId(), context.getDefaultSvid().getSpiffeId());
            return millis;
        } finally {
            workload.close(); // not timed: the workload keeps its client
        }
    }

    private static double percentile(List<Double> values, int percent) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, sorted.size() * percent / 100));
    }
}
