package dev.spiffecsi.deploy.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The two layouts: the driver in the SPIRE agent's pod (base), and the driver in a DaemonSet of its own
 * (base/driver-daemonset, used by overlays/second-instance and by the README's separate layout). They must not
 * drift apart, and the README's separate layout must be the one the tests render.
 */
class LayoutTest {

    static final List<String> DRIVER_CONTAINERS =
            List.of("spiffe-csi-driver", "node-driver-registrar", "liveness-probe");
    static final String COMPOSITION = "compositions/production-separate-driver";

    static PodSpec pod(String render, String daemonSet) {
        return Rendered.podSpec(Kustomize.render(render).one("DaemonSet", daemonSet))
                .orElseThrow();
    }

    @Test
    void driverDaemonSetRunsTheAgentPodsDriverContainers() {
        PodSpec agentPod = pod("base", DriverDeployment.AGENT);
        PodSpec own = pod("base/driver-daemonset", DriverDeployment.DRIVER);
        assertEquals(
                DRIVER_CONTAINERS,
                own.containers().stream().map(c -> c.path("name").asText()).toList());
        for (String container : DRIVER_CONTAINERS) {
            assertEquals(agentPod.container(container), own.container(container), container);
        }
        for (JsonNode volume : own.volumes()) {
            String name = volume.path("name").asText();
            JsonNode theirs = agentPod.volume(name);
            if (volume.has("configMap")) {
                // base's name carries the generator's hash suffix
                assertTrue(
                        theirs.path("configMap")
                                .path("name")
                                .asText()
                                .startsWith(
                                        volume.path("configMap").path("name").asText() + "-"),
                        name);
            } else {
                assertEquals(theirs, volume, name);
            }
        }
        for (String field : List.of("nodeSelector", "terminationGracePeriodSeconds")) {
            assertEquals(agentPod.spec().path(field), own.spec().path(field), field);
        }
        assertEquals(
                Kustomize.render("base")
                        .one("DaemonSet", DriverDeployment.AGENT)
                        .path("spec")
                        .path("updateStrategy"),
                Kustomize.render("base/driver-daemonset")
                        .one("DaemonSet", DriverDeployment.DRIVER)
                        .path("spec")
                        .path("updateStrategy"));
        // what the agent's pod has for the agent's sake, the driver's own pod has not
        assertFalse(own.hostPID(), "hostPID");
        assertFalse(own.hostNetwork(), "host network");
        String serviceAccount = own.spec().path("serviceAccountName").asText();
        assertEquals(DriverDeployment.DRIVER, serviceAccount);
        Kustomize.render("base/driver-daemonset").one("ServiceAccount", serviceAccount);
    }

    @Test
    void separateLayoutLeavesTheAgentPodToTheAgent() {
        PodSpec agent = pod(COMPOSITION, DriverDeployment.AGENT);
        assertEquals(
                List.of(DriverDeployment.AGENT),
                agent.containers().stream().map(c -> c.path("name").asText()).toList());
        // the components the README applies reach both DaemonSets
        PodSpec driver = pod(COMPOSITION, DriverDeployment.DRIVER);
        assertEquals(agent.spec().path("nodeSelector"), driver.spec().path("nodeSelector"));
        assertEquals(
                "enabled",
                driver.spec().path("nodeSelector").path("spiffe.io/csi-driver").asText());
    }

    @Test
    void readmeGivesTheSeparateLayoutTheTestsRender() throws IOException {
        String readme = Files.readString(Kustomize.KUBERNETES.resolve("README.md"));
        Matcher block = Pattern.compile(
                        "(?s)```yaml\n(# my-cluster/kustomization\\.yaml: the separate layout" + "[^\n]*\n.*?)```")
                .matcher(readme);
        assertTrue(
                block.find(),
                "README.md has no block starting '# my-cluster/kustomization.yaml: the " + "separate layout'");
        String composition = Files.readString(Kustomize.COMPOSITIONS
                .resolve(COMPOSITION.substring("compositions/".length()))
                .resolve("kustomization.yaml"));
        assertEquals(
                withoutHeader(composition).replace("../../../../../../", "../deploy/kubernetes/"),
                withoutHeader(block.group(1)));
    }

    /** The text after the leading comment lines. */
    static String withoutHeader(String text) {
        return text.replaceFirst("\\A(#[^\n]*\n)+", "");
    }
}
