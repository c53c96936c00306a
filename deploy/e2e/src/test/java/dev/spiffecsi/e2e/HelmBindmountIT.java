package dev.spiffecsi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spiffecsi.e2e.cluster.Pods;
import dev.spiffecsi.e2e.cluster.WorkloadPod;
import dev.spiffecsi.e2e.cluster.Workloads;
import dev.spiffecsi.e2e.rig.MountTable;
import dev.spiffecsi.e2e.support.Exec;
import dev.spiffecsi.e2e.support.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

@Order(5)
@DisplayName("helm release (bindmount)")
class HelmBindmountIT extends HelmReleaseEndToEnd {

    /** The hardened subchart's objects are named after its release: spire-spiffe-csi-driver. */
    private static final String HARDENED = "spire-spiffe-csi-driver";

    private static final String HARDENED_WORKLOAD = "hardened-workload";

    HelmBindmountIT() {
        super(Backend.BINDMOUNT);
    }

    /**
     * Issue 19's drop-in: the hardened SPIRE chart's spiffe-csi-driver subchart (a copy, deploy/helm's test
     * resources) rendered by Helm with only the images changed (ours, and the tier's registrar image), applied next
     * to the same dev agent once this class's release is gone.
     */
    @Test
    @Order(60)
    @DisplayName("the hardened SPIRE subchart's DaemonSet with only the image changed: registered, a workload gets "
            + "its SVIDs, the driver read-only root and no state volume")
    void theHardenedSubchartWithOurImage() {
        String registrar = tier().images().registrar();
        int slash = registrar.indexOf('/');
        int colon = registrar.lastIndexOf(':');
        String driver = tier().images().driver();
        List<String> args = new ArrayList<>(List.of(
                "template",
                "spire",
                Tier.projectRoot()
                        .resolve("deploy/helm/src/test/resources/hardened-subchart")
                        .toString(),
                "--namespace",
                NAMESPACE));
        for (String set : List.of(
                "image.registry=" + driver.substring(0, driver.indexOf('/')),
                "image.repository=" + driver.substring(driver.indexOf('/') + 1, driver.lastIndexOf(':')),
                "image.tag=" + driver.substring(driver.lastIndexOf(':') + 1),
                "image.pullPolicy=Never",
                "nodeDriverRegistrar.image.registry=" + registrar.substring(0, slash),
                "nodeDriverRegistrar.image.repository=" + registrar.substring(slash + 1, colon),
                "nodeDriverRegistrar.image.tag=" + registrar.substring(colon + 1),
                "nodeDriverRegistrar.image.pullPolicy=Never")) {
            args.addAll(List.of("--set", set));
        }
        String rendered = helm().run(args).stdout();
        tier().kubectl().run(List.of("apply", "-f", "-"), rendered).orThrow();
        try {
            JsonNode pod = awaitDriver(HARDENED, driver);
            JsonNode container = pod.path("spec").path("containers").get(0);
            assertEquals("spiffe-csi-driver", container.path("name").asText());
            assertTrue(
                    container
                            .path("securityContext")
                            .path("readOnlyRootFilesystem")
                            .asBoolean(),
                    "the driver's root file system is not read-only: " + container.path("securityContext"));
            List<String> volumes = pod.path("spec").path("volumes").findValuesAsText("name");
            assertFalse(
                    volumes.stream().anyMatch(v -> v.contains("state")),
                    "the hardened DaemonSet has a state volume: " + volumes);
            assertTrue(
                    container.path("args").toString().contains("-workload-api-socket-dir"),
                    "not the hardened subchart's Go-style arguments: " + container.path("args"));
            tier().record(
                            "hardened subchart: the driver container's args, security context and the pod's volumes",
                            container.path("args") + "\n" + container.path("securityContext") + "\n" + volumes);
            Workloads hardened = new Workloads(
                    tier().kubectl(), tier().diagnostics(), tier().images().exampleWorkload(), "csi.spiffe.io");
            try {
                String uid = Pods.uid(hardened.create(WorkloadPod.readOnly(HARDENED_WORKLOAD)));
                hardened.awaitRunning(HARDENED_WORKLOAD, this::diagnostics);
                Exec.Result check = Poll.until(
                        HARDENED_WORKLOAD + " to receive its X.509-SVID",
                        Duration.ofSeconds(90),
                        () -> {
                            Exec.Result result = hardened.svidCheck(HARDENED_WORKLOAD, OverlayEndToEnd.WORKLOAD_ID);
                            return result.ok() ? Poll.met(result) : Poll.notYet(result.describe());
                        },
                        () -> hardened.diagnose(HARDENED_WORKLOAD));
                assertFalse(check.stdout().contains("FAIL"), check.describe());
                String target =
                        podsDirectory() + "/" + uid + "/volumes/kubernetes.io~csi/" + WorkloadPod.VOLUME + "/mount";
                List<MountTable.Mount> mounts =
                        MountTable.read(tier().node().kubeletMountinfo()).at(target);
                assertEquals(1, mounts.size(), "the hardened driver's mount at " + target + ": " + mounts);
                assertTrue(
                        mounts.getFirst().optionList().contains("ro"),
                        mounts.getFirst().line());
                tier().notePublished(target);
                tier().record(
                                "hardened subchart: the node's mount of a workload's volume",
                                mounts.getFirst().line());
                hardened.delete(HARDENED_WORKLOAD);
                Poll.until(
                        "nothing left of " + HARDENED_WORKLOAD,
                        Duration.ofSeconds(60),
                        () -> MountTable.read(tier().node().kubeletMountinfo())
                                                .atOrBelow(target)
                                                .isEmpty()
                                        && !Files.exists(Path.of(podsDirectory(), uid))
                                ? Poll.met(true)
                                : Poll.notYet("still mounted or present"),
                        () -> "");
            } finally {
                hardened.close();
            }
        } finally {
            tier().kubectl()
                    .run(
                            List.of("delete", "-f", "-", "--cascade=foreground", "--wait=true", "--timeout=120s"),
                            rendered)
                    .orThrow();
        }
    }
}
