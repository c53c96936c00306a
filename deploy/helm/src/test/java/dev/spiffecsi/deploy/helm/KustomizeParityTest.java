package dev.spiffecsi.deploy.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The chart renders the driver objects the kustomize manifests have: base/driver-daemonset's pod and containers
 * with each overlay's driver container (overlays/production, dev, fuse-proxy), base/driver's CSIDriver, and each
 * overlay's driver configuration as the driver loads it. Object by object and field by field; the only
 * differences allowed are the ones README's Helm section lists, each named here:
 * <ul>
 * <li>names and labels: Helm's (app.kubernetes.io/*) instead of app: spiffe-csi-driver; the pod template carries a
 * checksum of the configuration;</li>
 * <li>the driver's arguments name -plugin-name, as the hardened chart's do;</li>
 * <li>fuse-proxy: the pod has hostPID (kustomize's is the agent pod's), the admin socket directory is a hostPath
 * (kustomize shares an emptyDir inside the agent's pod), and the memory request and limit are the backend's;</li>
 * <li>the configuration names kubelet-pods-dir and the symlink-dev overlay's debug log level is info.</li>
 * </ul>
 */
class KustomizeParityTest {

    @TempDir
    Path scratch;

    @ParameterizedTest
    @CsvSource({"bindmount,overlays/production", "symlink-dev,overlays/dev", "fuse-proxy,overlays/fuse-proxy"})
    void sameDriverObjectsAsKustomize(String backend, String overlay) {
        Objects chart = Chart.render("backend=" + backend);
        Objects base = Chart.kustomize("base/driver-daemonset");
        Objects kustomized = Chart.kustomize(overlay);

        JsonNode ourDaemonSet = chart.only("DaemonSet");
        JsonNode ourPod = Objects.podSpec(ourDaemonSet);
        JsonNode basePod = Objects.podSpec(base.one("DaemonSet", "spiffe-csi-driver"));
        JsonNode overlayPod = Objects.podSpec(kustomized.one("DaemonSet", "spire-agent"));

        // the pod, but for its containers and volumes (compared below)
        ObjectNode expectedPod = podFields(basePod);
        if (backend.equals("fuse-proxy")) {
            // documented: the agent's pod has hostPID in kustomize; the chart's own pod needs it for fuse-proxy
            expectedPod.put("hostPID", true);
        }
        expectedPod.put("serviceAccountName", Chart.RELEASE);
        assertEquals(expectedPod, podFields(ourPod), "pod fields");
        assertEquals(
                base.one("DaemonSet", "spiffe-csi-driver").path("spec").path("updateStrategy"),
                ourDaemonSet.path("spec").path("updateStrategy"));

        // the driver container: the overlay's (base's, patched with what the backend needs)
        ObjectNode expectedDriver = Objects.named(overlayPod.path("containers"), "spiffe-csi-driver")
                .deepCopy();
        ArrayNode args = (ArrayNode) expectedDriver.path("args");
        // documented: -plugin-name is always given, as the hardened chart does
        args.insert(2, "-plugin-name");
        args.insert(3, "csi.spiffe.io");
        if (backend.equals("fuse-proxy")) {
            // documented: fuse-proxy's memory defaults are the backend's own
            ObjectNode resources = (ObjectNode) expectedDriver.path("resources");
            ((ObjectNode) resources.path("requests")).put("memory", "96Mi");
            ((ObjectNode) resources.path("limits")).put("memory", "320Mi");
        }
        assertEquals(
                sortedMounts(expectedDriver),
                sortedMounts(Objects.named(ourPod.path("containers"), "spiffe-csi-driver")),
                "driver container");

        // the sidecars: base's, unchanged
        for (String sidecar : List.of("node-driver-registrar", "liveness-probe")) {
            assertEquals(
                    Objects.named(basePod.path("containers"), sidecar),
                    Objects.named(ourPod.path("containers"), sidecar),
                    sidecar);
        }
        assertEquals(
                List.of("spiffe-csi-driver", "node-driver-registrar", "liveness-probe"),
                Objects.names(ourPod.path("containers")));

        // the volumes the three containers use: the overlay's, with the chart's ConfigMap name
        for (String name : Objects.names(ourPod.path("volumes"))) {
            JsonNode ours = Objects.named(ourPod.path("volumes"), name);
            ObjectNode expected =
                    Objects.named(overlayPod.path("volumes"), name).deepCopy();
            switch (name) {
                case "spiffe-csi-config" ->
                    ((ObjectNode) expected.path("configMap")).put("name", Chart.RELEASE + "-config");
                case "spire-agent-admin-socket-dir" -> {
                    // documented: the agent's admin socket reaches a pod of its own through the host
                    expected.remove("emptyDir");
                    expected.set(
                            "hostPath",
                            Objects.YAML.valueToTree(
                                    Map.of("path", "/run/spire/admin-sockets", "type", "DirectoryOrCreate")));
                }
                default -> {}
            }
            assertEquals(expected, ours, "volume " + name);
        }
        List<String> used = ourPod.findValues("volumeMounts").stream()
                .flatMap(mounts -> Objects.names(mounts).stream())
                .distinct()
                .sorted()
                .toList();
        assertEquals(
                used,
                Objects.names(ourPod.path("volumes")).stream().sorted().toList(),
                "exactly the volumes the containers mount");

        // the CSIDriver object: base/driver's
        assertEquals(
                kustomized.one("CSIDriver", "csi.spiffe.io").path("spec"),
                chart.one("CSIDriver", "csi.spiffe.io").path("spec"));

        // the configuration, as the driver loads it
        DriverLoad ours = DriverLoad.of(chart, ourDaemonSet, scratch);
        DriverLoad theirs = DriverLoad.of(kustomized, kustomized.one("DaemonSet", "spire-agent"), scratch);
        String expectedConfig = theirs.config().render();
        if (backend.equals("symlink-dev")) {
            // documented: the dev overlay logs at debug, the chart at info whatever the backend
            expectedConfig = expectedConfig.replace("level=debug", "level=info");
        }
        assertEquals(expectedConfig, ours.config().render(), "driver configuration");
    }

    private static ObjectNode podFields(JsonNode pod) {
        ObjectNode fields = pod.deepCopy();
        fields.remove(List.of("containers", "volumes"));
        return fields;
    }

    /** The container with its volume mounts in name order (the chart lists the backend's after base's). */
    private static ObjectNode sortedMounts(JsonNode container) {
        ObjectNode copy = container.deepCopy();
        ArrayNode sorted = Objects.YAML.createArrayNode();
        List<JsonNode> mounts = new java.util.ArrayList<>();
        container.path("volumeMounts").forEach(mounts::add);
        mounts.sort(java.util.Comparator.comparing(m -> m.path("name").asText()));
        mounts.forEach(sorted::add);
        copy.set("volumeMounts", sorted);
        return copy;
    }
}
