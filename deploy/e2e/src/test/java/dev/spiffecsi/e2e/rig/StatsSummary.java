package dev.spiffecsi.e2e.rig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.Optional;

/** The kubelet's {@code /stats/summary}, read for one pod's volumes. */
public record StatsSummary(JsonNode summary) {

    public static StatsSummary of(RealNode node) {
        return new StatsSummary(node.statsSummary());
    }

    /** The pod's volumes as the kubelet lists them (usage, and {@code volumeHealthStats} with CSIVolumeHealth). */
    public JsonNode volumes(String podUid) {
        for (JsonNode pod : summary.path("pods")) {
            if (pod.path("podRef").path("uid").asText().equals(podUid)) {
                return pod.path("volume");
            }
        }
        return MissingNode.getInstance();
    }

    public Optional<JsonNode> volume(String podUid, String name) {
        for (JsonNode volume : volumes(podUid)) {
            if (volume.path("name").asText().equals(name)) {
                return Optional.of(volume);
            }
        }
        return Optional.empty();
    }
}
