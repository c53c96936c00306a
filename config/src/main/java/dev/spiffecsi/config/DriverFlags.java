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
            "workload-api-socket-dir", "csi-socket-path", "plugin-name", "node-id", "node-id-env",
            "backend", "kubelet-pods-dir", "state-dir", "log-level", "log-format");

    /** Flag name to configuration key. */
    public static final Map<String, String> KEYS = Map.of(
            "workload-api-socket-dir", "spiffe-csi.workload-api-socket-dir",
            "csi-socket-path", "spiffe-csi.csi-socket-path",
            "plugin-name", "spiffe-csi.plugin-name",
            "node-id", "spiffe-csi.node-id",
            "node-id-env", "spiffe-csi.node-id-env",
            "backend", "spiffe-csi.backend",
            "kubelet-pods-dir", "spiffe-csi.kubelet-pods-dir",
            "state-dir", "spiffe-csi.state-dir",
            "log-level", "spiffe-csi.log.level",
            "log-format", "spiffe-csi.log.format");

    private DriverFlags() {
    }

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
