package dev.spiffecsi.deploy.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The CSIDriver object and the example workload are the Go driver's. */
class CsiDriverAndWorkloadTest {

    static final Rendered SEED_DRIVER = Rendered.read(Kustomize.SEED.resolve("spiffe-csi-driver.yaml"));
    static final Rendered SEED_WORKLOAD = Rendered.read(Kustomize.SEED.resolve("workload.yaml"));

    static Stream<String> rendersWithTheDefaultDriver() {
        return Stream.of(
                "base",
                "base/driver",
                "overlays/production",
                "overlays/dev",
                "overlays/fuse-proxy",
                "compositions/production-microk8s",
                "compositions/dev-all-components",
                "compositions/fuse-proxy-microk8s",
                "compositions/production-and-second-instance");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendersWithTheDefaultDriver")
    void csiDriverObjectIsTheSeeds(String render) {
        JsonNode seed = SEED_DRIVER.one("CSIDriver", "csi.spiffe.io");
        JsonNode ours = Kustomize.render(render).one("CSIDriver", "csi.spiffe.io");
        assertEquals(seed.path("apiVersion"), ours.path("apiVersion"));
        assertEquals(seed.path("spec"), ours.path("spec"));
        // attachRequired false, podInfoOnMount true, fsGroupPolicy None, Ephemeral only, spelled out
        assertEquals(false, ours.path("spec").path("attachRequired").asBoolean(true));
        assertEquals(true, ours.path("spec").path("podInfoOnMount").asBoolean(false));
        // None, also now that the driver advertises VOLUME_MOUNT_GROUP: the kubelet delegates the fsGroup to such a
        // driver whatever the policy (kubelet 1.31 on the realnode rig, None and File alike), and File would let a
        // kubelet facing a driver without the capability chown the agent's socket directory through the volume
        assertEquals(
                "None",
                ours.path("spec").path("fsGroupPolicy").asText(),
                "fsGroupPolicy None: never a kubelet chown of the agent's socket directory");
        assertEquals(
                List.of("Ephemeral"),
                PodSpec.list(ours.path("spec").path("volumeLifecycleModes")).stream()
                        .map(JsonNode::asText)
                        .toList());
    }

    @Test
    void secondInstanceHasTheSeedsSpecUnderItsOwnName() {
        Rendered rendered = Kustomize.render("overlays/second-instance");
        assertEquals(
                List.of("upstream.csi.spiffe.io"),
                rendered.ofKind("CSIDriver").stream().map(Rendered::name).toList());
        assertEquals(
                SEED_DRIVER.one("CSIDriver", "csi.spiffe.io").path("spec"),
                rendered.one("CSIDriver", "upstream.csi.spiffe.io").path("spec"));
    }

    @Test
    void twoInstancesShareNothingOnTheNode() {
        Rendered both = Kustomize.render("compositions/production-and-second-instance");
        // the first driver is in the agent's pod, the second in a DaemonSet of its own
        PodSpec first =
                Rendered.podSpec(both.one("DaemonSet", DriverDeployment.AGENT)).orElseThrow();
        PodSpec second = Rendered.podSpec(both.one("DaemonSet", "spiffe-csi-driver-upstream"))
                .orElseThrow();
        for (String volume : List.of("spiffe-csi-socket-dir", "spiffe-csi-state")) {
            assertTrue(!first.hostPath(volume).equals(second.hostPath(volume)), volume + " is shared");
        }
        // two health ports that are both ports of the node (host network) must differ
        int firstPort = healthPort(first);
        int secondPort = healthPort(second);
        assertTrue(
                !(first.hostNetwork() && second.hostNetwork()) || firstPort != secondPort,
                "both drivers serve health on port " + firstPort + " of the node");
        JsonNode firstSelector =
                both.one("DaemonSet", DriverDeployment.AGENT).path("spec").path("selector");
        JsonNode secondSelector =
                both.one("DaemonSet", "spiffe-csi-driver-upstream").path("spec").path("selector");
        assertTrue(!firstSelector.equals(secondSelector), "the two DaemonSets select each other's pods");
        assertEquals(
                first.hostPath("spire-agent-socket-dir"),
                second.hostPath("spire-agent-socket-dir"),
                "both serve the one agent's socket");
    }

    static int healthPort(PodSpec pod) {
        return Integer.parseInt(PodSpec.flag(PodSpec.args(pod.container("liveness-probe")), "health-port")
                .orElseThrow());
    }

    @Test
    void exampleWorkloadIsTheSeedsPod() {
        JsonNode seed = SEED_WORKLOAD.one("Pod", "example-workload");
        JsonNode ours = Kustomize.render("base/example-workload").one("Pod", "example-workload");
        assertEquals(seed.path("spec"), ours.path("spec"));
        // the seed's registration entry selects k8s:ns:default
        assertEquals("default", Rendered.namespace(ours));
        JsonNode volume = new PodSpec("example-workload", ours.path("spec")).volume("spiffe-workload-api");
        assertEquals("csi.spiffe.io", volume.path("csi").path("driver").asText());
        assertTrue(volume.path("csi").path("readOnly").asBoolean(false), "readOnly: true");
        JsonNode container = ours.path("spec").path("containers").get(0);
        assertEquals(
                "unix:///spiffe-workload-api/spire-agent.sock",
                PodSpec.literalEnv(container).get("SPIFFE_ENDPOINT_SOCKET"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#renders")
    void noWorkloadPodHasAHostPath(String render) {
        for (JsonNode pod : Kustomize.render(render).ofKind("Pod")) {
            PodSpec spec = Rendered.podSpec(pod).orElseThrow();
            for (JsonNode volume : spec.volumes()) {
                assertTrue(volume.path("hostPath").isMissingNode(), () -> spec.owner() + ": " + volume);
            }
            assertTrue(!spec.hostPID() && !spec.hostNetwork(), spec.owner());
        }
    }

    @Test
    void devOverlayBringsTheExampleWorkloadAndProductionDoesNot() {
        assertEquals(1, Kustomize.render("overlays/dev").ofKind("Pod").size());
        assertEquals(0, Kustomize.render("overlays/production").ofKind("Pod").size());
        assertEquals(0, Kustomize.render("overlays/fuse-proxy").ofKind("Pod").size());
    }
}
