package dev.spiffecsi.e2e.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.StringJoiner;

/** The pods the DaemonSet controller made for a DaemonSet, found by its selector, and its status. */
public final class DaemonSetPods {

    private DaemonSetPods() {}

    /** The DaemonSet's pod that is not being deleted; a missing node while there is none (the rig has one node). */
    public static JsonNode current(Kubectl kubectl, JsonNode daemonSet) {
        for (JsonNode pod : kubectl.json("get", "pods", "-n", namespace(daemonSet), "-l", selector(daemonSet))
                .path("items")) {
            if (pod.path("metadata").path("deletionTimestamp").isMissingNode()) {
                return pod;
            }
        }
        return Kubectl.JSON.missingNode();
    }

    /** What the controller reports: desired, current, ready and updated pods, the generation it has seen. */
    public static String status(Kubectl kubectl, JsonNode daemonSet) {
        String name = daemonSet.path("metadata").path("name").asText();
        JsonNode stored = kubectl.getOrMissing("daemonset", namespace(daemonSet), name);
        return "DaemonSet " + namespace(daemonSet) + "/" + name
                + (stored.isMissingNode()
                        ? ": missing"
                        : " (generation "
                                + stored.path("metadata").path("generation").asText() + "): status "
                                + stored.path("status"));
    }

    private static String namespace(JsonNode daemonSet) {
        return daemonSet.path("metadata").path("namespace").asText();
    }

    static String selector(JsonNode daemonSet) {
        StringJoiner joined = new StringJoiner(",");
        for (Map.Entry<String, JsonNode> label :
                daemonSet.path("spec").path("selector").path("matchLabels").properties()) {
            joined.add(label.getKey() + "=" + label.getValue().asText());
        }
        return joined.toString();
    }
}
