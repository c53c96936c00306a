package dev.spiffecsi.e2e.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.spiffecsi.e2e.image.LocalImages;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The tier's kustomizations in {@code deploy/e2e/kustomize}: one overlay per project overlay, each the project's
 * overlay plus the component {@code dev-agent}, which swaps SPIRE for the dev agent and pins the local images.
 */
public final class TestOverlays {

    /** The project's images the component pins to local ones (its {@code images:} entries). */
    static final String DRIVER = "ghcr.io/spiffe-csi-java/spiffe-csi-driver";

    static final String SPIRE_AGENT = "ghcr.io/spiffe/spire-agent";
    static final String EXAMPLE_WORKLOAD = "spiffe-csi-driver-example-workload";

    private final Path kustomize;
    private final Kubectl kubectl;

    /** @param kustomize {@code deploy/e2e/kustomize} */
    public TestOverlays(Path kustomize, Kubectl kubectl) {
        this.kustomize = kustomize;
        this.kubectl = kubectl;
    }

    /** {@code kubectl kustomize overlays/NAME}. */
    public RenderedOverlay render(String overlay) {
        Path directory = kustomize.resolve("overlays").resolve(overlay);
        return new RenderedOverlay(directory, kubectl.kustomize(directory));
    }

    /**
     * The images to build: the pinned ones as the component names them, the sidecars as {@code overlay} (the
     * project's manifests) names them.
     */
    public LocalImages localImages(RenderedOverlay overlay) {
        JsonNode component = component();
        return new LocalImages(
                pinned(component, DRIVER),
                pinned(component, SPIRE_AGENT),
                pinned(component, EXAMPLE_WORKLOAD),
                overlay.container("node-driver-registrar").path("image").asText(),
                overlay.container("liveness-probe").path("image").asText());
    }

    private JsonNode component() {
        Path file = kustomize.resolve("components/dev-agent/kustomization.yaml");
        try {
            return new YAMLMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String pinned(JsonNode component, String image) {
        for (JsonNode entry : component.path("images")) {
            if (entry.path("name").asText().equals(image)) {
                return entry.path("newName").asText() + ":"
                        + entry.path("newTag").asText();
            }
        }
        throw new IllegalStateException("the dev-agent component pins no image " + image);
    }
}
