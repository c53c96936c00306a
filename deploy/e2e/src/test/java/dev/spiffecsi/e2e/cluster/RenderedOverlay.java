package dev.spiffecsi.e2e.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/** The objects {@code kubectl kustomize} rendered for one test overlay, and what the tier looks up in them. */
public record RenderedOverlay(Path directory, List<ObjectNode> objects) {

    /** The node DaemonSet (the agent and the driver in one pod); the overlays have exactly one. */
    public JsonNode daemonSet() {
        List<ObjectNode> daemonSets = ofKind("DaemonSet");
        if (daemonSets.size() != 1) {
            throw new IllegalStateException(directory + " renders " + daemonSets.size() + " DaemonSets, expected 1");
        }
        return daemonSets.getFirst();
    }

    /** The CSIDriver object's name: the plugin name pods ask for and the CSINode lists. */
    public String csiDriverName() {
        List<ObjectNode> drivers = ofKind("CSIDriver");
        if (drivers.size() != 1) {
            throw new IllegalStateException(
                    directory + " renders " + drivers.size() + " CSIDriver objects, expected 1");
        }
        return drivers.getFirst().path("metadata").path("name").asText();
    }

    /** Bare pods of the overlay (the dev overlay's example workload), created once the driver is ready. */
    public List<ObjectNode> pods() {
        return ofKind("Pod");
    }

    /** Everything but bare pods, applied as it is. */
    public List<ObjectNode> applied() {
        return objects.stream().filter(o -> !kind(o).equals("Pod")).toList();
    }

    public List<ObjectNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind(o).equals(kind)).toList();
    }

    /** A container of the DaemonSet's pod template. */
    public JsonNode container(String name) {
        for (JsonNode container :
                daemonSet().path("spec").path("template").path("spec").path("containers")) {
            if (container.path("name").asText().equals(name)) {
                return container;
            }
        }
        throw new IllegalStateException("the DaemonSet of " + directory + " has no container " + name);
    }

    /** The host path of one of the DaemonSet's hostPath volumes. */
    public String hostPath(String volume) {
        for (JsonNode candidate :
                daemonSet().path("spec").path("template").path("spec").path("volumes")) {
            if (candidate.path("name").asText().equals(volume)) {
                String path = candidate.path("hostPath").path("path").asText();
                if (path.isEmpty()) {
                    throw new IllegalStateException("volume " + volume + " of " + directory + " is not a hostPath");
                }
                return path;
            }
        }
        throw new IllegalStateException("the DaemonSet of " + directory + " has no volume " + volume);
    }

    /** A named container port of one container, e.g. the driver's {@code healthz}. */
    public int containerPort(String container, String portName) {
        for (JsonNode port : container(container).path("ports")) {
            if (port.path("name").asText().equals(portName)) {
                return port.path("containerPort").asInt();
            }
        }
        throw new IllegalStateException("container " + container + " of " + directory + " has no port " + portName);
    }

    private static String kind(JsonNode object) {
        return object.path("kind").asText();
    }
}
