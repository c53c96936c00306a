package dev.spiffecsi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spiffecsi.e2e.cluster.Pods;
import dev.spiffecsi.e2e.support.Exec;
import dev.spiffecsi.e2e.support.Poll;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes/overlays/dev (symlink-dev), deployed for real through its test overlay: the README's kind and
 * minikube steps, including the overlay's own example workload pod.
 */
@Order(2)
@DisplayName("dev (symlink-dev)")
class DevOverlayIT extends OverlayEndToEnd {

    DevOverlayIT() {
        super(Backend.SYMLINK_DEV);
    }

    /** The README's last kind step: {@code kubectl logs pod/example-workload} shows the workload's SVID. */
    @Test
    @Order(45)
    @DisplayName("the overlay's example workload logs its SVID")
    void theExampleWorkloadLogsItsSvid() {
        List<String> pods = deployment().overlayPods();
        assertEquals(List.of("example-workload"), pods, "the dev overlay's own pods");
        workloads().awaitRunning(pods.getFirst(), deployment()::driverDiagnostics);
        Poll.until(
                "kubectl logs pod/example-workload to show " + WORKLOAD_ID,
                Duration.ofSeconds(60),
                () -> {
                    Exec.Result logs = tier().kubectl().run(List.of("logs", "pod/example-workload", "-n", "default"));
                    return logs.stdout().contains("    " + WORKLOAD_ID)
                            ? Poll.met(logs.stdout())
                            : Poll.notYet(logs.describe());
                },
                () -> workloads().diagnose(pods.getFirst()) + deployment().driverDiagnostics());
        assertEquals(
                0,
                Pods.restartCount(workloads().get(pods.getFirst()), "example-workload"),
                "the example workload restarted");
    }
}
