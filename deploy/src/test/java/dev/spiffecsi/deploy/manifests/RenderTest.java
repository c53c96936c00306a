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
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "CSIDriver", "ClusterRole",
            "ClusterRoleBinding", "PriorityClass");

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
            for (Path file : files.filter(f -> f.getFileName().toString().equals("kustomization.yaml")).toList()) {
                String name = "compositions/" + Kustomize.COMPOSITIONS.relativize(file.getParent());
                compositions.add(Files.readString(file));
                if (!DriverDeployment.RENDERS.contains(name)) {
                    untested.add(name);
                }
            }
        }
        try (Stream<Path> files = Files.walk(Kustomize.KUBERNETES)) {
            for (Path file : files.filter(f -> f.getFileName().toString().equals("kustomization.yaml")).toList()) {
                String name = Kustomize.KUBERNETES.relativize(file.getParent()).toString();
                boolean component = Files.readString(file).contains("kind: Component");
                boolean tested = component
                        ? compositions.stream().anyMatch(c -> c.contains("kubernetes/" + name + "\n"))
                        : DriverDeployment.RENDERS.contains(name);
                if (!tested) {
                    untested.add(name);
                }
            }
        }
        assertEquals(List.of(), untested, "kustomizations (or components, in no composition) the tests skip");
    }
}
