package dev.spiffecsi.e2e.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spiffecsi.e2e.support.Exec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The test overlays change the project's overlays only where the rig needs it: SPIRE swapped for the dev agent and
 * the images pinned to the locally built ones. Everything else (the driver's containers, volumes and security
 * contexts, the pod-wide settings, the CSIDriver object, the driver's configuration) renders exactly as the
 * project's overlay renders it, so that the tier deploys what users deploy. Skipped without a kubectl with
 * kustomize v5 ($KUBECTL, the rig's, or one on the PATH).
 */
class TestOverlayTest {

    private static final Path ROOT = Path.of(System.getProperty("spiffecsi.root", "../.."))
            .toAbsolutePath()
            .normalize();
    /** What the component removes: the SPIRE server, what only it uses, and the SPIRE agent's configuration. */
    private static final Set<String> REMOVED = Set.of(
            "Deployment/spire-server",
            "Service/spire-server",
            "PersistentVolumeClaim/spire-server-pvc",
            "ConfigMap/spire-server",
            "ConfigMap/spire-bundle",
            "ConfigMap/spire-agent",
            "ServiceAccount/spire-server",
            "Role/spire-server-role",
            "RoleBinding/spire-server-role-binding",
            "ClusterRole/spire-server-cluster-role",
            "ClusterRoleBinding/spire-server-cluster-role-binding");
    /** The SPIRE agent's volumes, which the dev agent does not use. */
    private static final Set<String> SPIRE_AGENT_VOLUMES =
            Set.of("spire-config", "spire-bundle", "spire-token", "spire-agent-api-access");

    @ParameterizedTest
    @ValueSource(strings = {"production", "dev", "fuse-proxy"})
    void onlySpireAndTheImagesDiffer(String overlay) {
        Kubectl kubectl = Kubectl.renderingOnly(kubectlOrSkip());
        Map<String, ObjectNode> project = index(
                kubectl.kustomize(ROOT.resolve("deploy/kubernetes/overlays").resolve(overlay)));
        Map<String, ObjectNode> test = index(
                kubectl.kustomize(ROOT.resolve("deploy/e2e/kustomize/overlays").resolve(overlay)));
        Set<String> removed = new TreeSet<>(project.keySet());
        removed.removeAll(test.keySet());
        assertEquals(new TreeSet<>(REMOVED), removed, "what the test overlay removes from overlays/" + overlay);
        assertTrue(project.keySet().containsAll(test.keySet()), "the test overlay adds objects: " + test.keySet());
        for (Map.Entry<String, ObjectNode> entry : test.entrySet()) {
            ObjectNode ours = entry.getValue().deepCopy();
            ObjectNode theirs = project.get(entry.getKey()).deepCopy();
            if (entry.getKey().startsWith("DaemonSet/")) {
                assertTheAgentContainerIsTheDevAgent(theirs, ours);
                withoutSpireAgent(ours);
                withoutSpireAgent(theirs);
            }
            unpinImages(ours, theirs);
            assertEquals(theirs, ours, entry.getKey() + " differs from overlays/" + overlay + "'s beyond the images");
        }
    }

    /** Same container name and socket, nothing but SPIRE's configuration, bundle and tokens taken away. */
    private static void assertTheAgentContainerIsTheDevAgent(JsonNode project, JsonNode test) {
        JsonNode agent = container(test, "spire-agent");
        assertTrue(
                agent.path("image").asText().startsWith("docker.io/local/spiffe-csi-dev-agent:"),
                "the agent container runs the dev agent: " + agent.path("image"));
        assertEquals(
                List.of("-socket", "/run/spire/sockets/spire-agent.sock"),
                List.of(
                        agent.path("args").get(0).asText(),
                        agent.path("args").get(1).asText()),
                "the dev agent serves SPIRE's Workload API socket path");
        Set<String> mounts = new TreeSet<>();
        agent.path("volumeMounts").forEach(m -> mounts.add(m.toString()));
        Set<String> spires = new TreeSet<>();
        container(project, "spire-agent").path("volumeMounts").forEach(m -> spires.add(m.toString()));
        assertTrue(spires.containsAll(mounts), "the dev agent mounts only what SPIRE's agent mounts: " + mounts);
        assertEquals(container(project, "spire-agent").path("securityContext"), agent.path("securityContext"));
    }

    private static void withoutSpireAgent(ObjectNode daemonSet) {
        ObjectNode spec = (ObjectNode) daemonSet.path("spec").path("template").path("spec");
        ArrayNode containers = (ArrayNode) spec.path("containers");
        for (int i = containers.size() - 1; i >= 0; i--) {
            if (containers.get(i).path("name").asText().equals("spire-agent")) {
                containers.remove(i);
            }
        }
        ArrayNode volumes = (ArrayNode) spec.path("volumes");
        for (int i = volumes.size() - 1; i >= 0; i--) {
            if (SPIRE_AGENT_VOLUMES.contains(volumes.get(i).path("name").asText())) {
                volumes.remove(i);
            }
        }
    }

    /** The test overlay's pinned images, replaced by the project's, container by container. */
    private static void unpinImages(JsonNode test, JsonNode project) {
        JsonNode podSpec = test.path("kind").asText().equals("Pod")
                ? test.path("spec")
                : test.path("spec").path("template").path("spec");
        JsonNode projectSpec = project.path("kind").asText().equals("Pod")
                ? project.path("spec")
                : project.path("spec").path("template").path("spec");
        for (JsonNode container : podSpec.path("containers")) {
            JsonNode theirs = container(projectSpec, container.path("name").asText());
            if (!container.path("image").equals(theirs.path("image"))) {
                assertTrue(
                        container.path("image").asText().startsWith("docker.io/local/"),
                        "a changed image is a local one: " + container.path("image"));
                ((ObjectNode) container).set("image", theirs.path("image"));
            }
        }
    }

    private static JsonNode container(JsonNode objectOrPodSpec, String name) {
        JsonNode spec = objectOrPodSpec.has("containers")
                ? objectOrPodSpec
                : objectOrPodSpec.path("spec").path("template").path("spec");
        for (JsonNode container : spec.path("containers")) {
            if (container.path("name").asText().equals(name)) {
                return container;
            }
        }
        throw new AssertionError("no container " + name);
    }

    /** KIND/NAME, generated names without their content hash (the component deletes by the generator's name). */
    private static Map<String, ObjectNode> index(List<ObjectNode> objects) {
        Map<String, ObjectNode> index = new LinkedHashMap<>();
        for (ObjectNode object : objects) {
            String name = object.path("metadata").path("name").asText();
            if (object.path("kind").asText().equals("ConfigMap")) {
                name = name.replaceFirst("-[a-z0-9]{10}$", "");
            }
            index.put(object.path("kind").asText() + "/" + name, object);
        }
        return index;
    }

    private static Path kubectlOrSkip() {
        Optional<Path> found = Stream.of(
                        System.getenv("KUBECTL"),
                        "/var/tmp/realnode/bin/kubectl",
                        "/usr/local/bin/kubectl",
                        "/usr/bin/kubectl")
                .filter(candidate -> candidate != null && !candidate.isBlank())
                .map(Path::of)
                .filter(Files::isExecutable)
                .filter(candidate -> Exec.run(
                                List.of(candidate.toString(), "version", "--client"), Duration.ofSeconds(30))
                        .stdout()
                        .matches("(?s).*Kustomize Version: v[5-9].*"))
                .findFirst();
        assumeTrue(
                found.isPresent(),
                "skipped: rendering the overlays needs a kubectl with kustomize v5 ($KUBECTL, "
                        + "the rig's, or deploy/kubernetes/tools/install-kubectl.sh's)");
        return found.get();
    }
}
