package dev.spiffecsi.deploy.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kustomization renders, into well-formed objects, with every image pinned. */
class RenderTest {

    /** Cluster-scoped kinds; everything else must name its namespace. */
    private static final Set<String> CLUSTER_SCOPED =
            Set.of("Namespace", "CSIDriver", "ClusterRole", "ClusterRoleBinding", "PriorityClass");

    /** name:tag or name@sha256:digest (a registry host with a port has a colon before the last slash). */
    private static final Pattern PINNED = Pattern.compile("[^@\\s]+(:[\\w][\\w.-]{0,127})?(@sha256:[0-9a-f]{64})?");

    static final String DRIVER_IMAGE = "ghcr.io/spiffe-csi-java/spiffe-csi-driver:0.1.0";

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#renders")
    void rendersIntoWellFormedObjects(String render) {
        Rendered rendered = Kustomize.render(render);
        assertFalse(rendered.objects().isEmpty(), "nothing rendered");
        Set<String> ids = new HashSet<>();
        for (JsonNode object : rendered.objects()) {
            String id = Rendered.id(object);
            assertFalse(object.path("apiVersion").asText().isEmpty(), () -> id + " has no apiVersion");
            assertFalse(Rendered.name(object).isEmpty(), () -> "an object has no name: " + object);
            assertTrue(ids.add(id), () -> id + " twice");
            if (!CLUSTER_SCOPED.contains(object.path("kind").asText())) {
                assertFalse(Rendered.namespace(object).isEmpty(), () -> id + " has no namespace");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#renders")
    void everyImageIsPinned(String render) {
        for (PodSpec pod : Kustomize.render(render).podSpecs()) {
            for (JsonNode container : pod.allContainers()) {
                String image = container.path("image").asText();
                assertPinned(pod.owner() + " " + container.path("name").asText(), image);
                if (image.contains("spiffe-csi-driver") && !image.startsWith("spiffe-csi-driver-example")) {
                    assertEquals(DRIVER_IMAGE, image, pod.owner());
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#renders")
    void everyVolumeIsMountedAndEveryMountHasItsVolume(String render) {
        for (PodSpec pod : Kustomize.render(render).podSpecs()) {
            Set<String> mounted = new HashSet<>();
            for (JsonNode container : pod.allContainers()) {
                for (JsonNode mount : PodSpec.mounts(container)) {
                    String volume = mount.path("name").asText();
                    assertTrue(
                            pod.findVolume(volume).isPresent(),
                            () -> pod.owner() + ": container "
                                    + container.path("name").asText() + " mounts volume " + volume
                                    + ", which it lacks");
                    mounted.add(volume);
                }
            }
            // a volume no container mounts is a leftover (e.g. of a container moved to another pod)
            for (JsonNode volume : pod.volumes()) {
                assertTrue(
                        mounted.contains(volume.path("name").asText()),
                        () -> pod.owner() + ": no container mounts volume " + volume);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#renders")
    void podsPassTheApiServersValidation(String render) {
        for (PodSpec pod : Kustomize.render(render).podSpecs()) {
            Set<String> names = new HashSet<>();
            Set<String> hostPorts = new HashSet<>();
            for (JsonNode container : pod.allContainers()) {
                String name = container.path("name").asText();
                assertTrue(names.add(name), () -> pod.owner() + ": container " + name + " twice");
                JsonNode security = container.path("securityContext");
                boolean privileged = security.path("privileged").asBoolean(false);
                assertFalse(
                        privileged && !security.path("allowPrivilegeEscalation").asBoolean(true),
                        () -> pod.owner() + " " + name + ": privileged forbids allowPrivilegeEscalation: false");
                for (JsonNode mount : PodSpec.mounts(container)) {
                    assertTrue(
                            privileged
                                    || !mount.path("mountPropagation").asText().equals("Bidirectional"),
                            () -> pod.owner() + " " + name + ": Bidirectional propagation needs privileged");
                }
                if (pod.hostNetwork()) {
                    // on the host network every containerPort is a port of the node: no two may coincide
                    for (JsonNode port : PodSpec.list(container.path("ports"))) {
                        String hostPort = port.path("containerPort").asText() + "/"
                                + port.path("protocol").asText("TCP");
                        assertTrue(hostPorts.add(hostPort), () -> pod.owner() + ": port " + hostPort + " twice");
                    }
                }
            }
        }
    }

    static void assertPinned(String what, String image) {
        assertTrue(PINNED.matcher(image).matches(), () -> what + ": not an image reference: " + image);
        int slash = image.lastIndexOf('/');
        String last = image.substring(slash + 1);
        boolean digest = image.contains("@sha256:");
        boolean tag = last.contains(":") && !last.startsWith(":");
        assertTrue(tag || digest, () -> what + ": image " + image + " has neither tag nor digest");
        assertFalse(last.matches(".*:latest(@.*)?"), () -> what + ": image " + image + " is :latest");
    }

    @Test
    void everyKustomizationAndComponentIsRenderedByTheTests() throws IOException {
        List<String> untested = new ArrayList<>();
        List<String> compositions = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Kustomize.COMPOSITIONS)) {
            for (Path file : files.filter(f -> f.getFileName().toString().equals("kustomization.yaml"))
                    .toList()) {
                String name = "compositions/" + Kustomize.COMPOSITIONS.relativize(file.getParent());
                compositions.add(Files.readString(file));
                if (!DriverDeployment.RENDERS.contains(name)) {
                    untested.add(name);
                }
            }
        }
        {
            for (Path file : Kustomize.manifestFiles().stream()
                    .filter(f -> f.getFileName().toString().equals("kustomization.yaml"))
                    .toList()) {
                String name = Kustomize.KUBERNETES.relativize(file.getParent()).toString();
                boolean component = Files.readString(file).contains("kind: Component");
                boolean tested = component
                        ? compositions.stream().anyMatch(c -> c.contains("../../../../../../" + name + "\n"))
                        : DriverDeployment.RENDERS.contains(name);
                if (!tested) {
                    untested.add(name);
                }
            }
        }
        assertEquals(List.of(), untested, "kustomizations (or components, in no composition) the tests skip");
    }
}
