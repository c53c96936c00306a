package dev.spiffecsi.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The driver's configuration flags and the keys they set. The first five are spiffe-csi's (Go) flags, so its
 * DaemonSet arguments are accepted unchanged.
 */
public final class DriverFlags {

    /** The flag naming an extra HOCON file. */
    public static final String CONFIG = "config";

    /** Flag names in help order. */
    public static final List<String> ORDERED = List.of(
            "workload-api-socket-dir",
            "csi-socket-path",
            "plugin-name",
            "node-id",
            "node-id-env",
            "backend",
            "kubelet-pods-dir",
            "state-dir",
            "log-level",
            "log-format",
            "metrics-address");

    /** Flag name to configuration key. */
    public static final Map<String, String> KEYS = Map.ofEntries(
            Map.entry("workload-api-socket-dir", "spiffe-csi.workload-api-socket-dir"),
            Map.entry("csi-socket-path", "spiffe-csi.csi-socket-path"),
            Map.entry("plugin-name", "spiffe-csi.plugin-name"),
            Map.entry("node-id", "spiffe-csi.node-id"),
            Map.entry("node-id-env", "spiffe-csi.node-id-env"),
            Map.entry("backend", "spiffe-csi.backend"),
            Map.entry("kubelet-pods-dir", "spiffe-csi.kubelet-pods-dir"),
            Map.entry("state-dir", "spiffe-csi.state-dir"),
            Map.entry("log-level", "spiffe-csi.log.level"),
            Map.entry("log-format", "spiffe-csi.log.format"),
            Map.entry("metrics-address", "spiffe-csi.metrics.listen-address"));

    private DriverFlags() {}

    /** The configuration overrides (key to value) that the parsed flags ask for. */
    public static Map<String, String> overrides(Flags.Parsed parsed) {
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String flag : ORDERED) {
            if (parsed.has(flag)) {
                overrides.put(KEYS.get(flag), parsed.get(flag, ""));
            }
        }
        return overrides;
    }
}
