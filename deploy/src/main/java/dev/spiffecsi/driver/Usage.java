package dev.spiffecsi.driver;

import dev.spiffecsi.config.ConfigLoader;
import dev.spiffecsi.config.DriverFlags;

/** The --help text. */
final class Usage {

    private Usage() {
    }

    static String text(String version) {
        StringBuilder text = new StringBuilder();
        text.append("spiffe-csi-driver (version ").append(version).append(")\n")
                .append("Provides the Workload API socket directory via ephemeral inline CSI volumes\n\n")
                .append("Usage: spiffe-csi-driver [command] [flags]\n\n")
                .append("Commands:\n")
                .append("  serve          serve CSI on the socket (the default)\n")
                .append("  backends       list the discovered backends and the jar each comes from\n")
                .append("  check-config   print the effective configuration, or the errors in it\n")
                .append("  help           this text\n\n")
                .append("Development tools (no cluster, no SPIRE needed):\n")
                .append("  demo           see the driver work end to end: a dev SPIFFE agent, the driver, one pod's\n")
                .append("                 volume published and unpublished, and a workload reading its identity\n")
                .append("                 through it. -backend NAME (default: bindmount as root, in a private\n")
                .append("                 mount namespace; else symlink-dev), -verbose\n")
                .append("  dev-agent      a SPIFFE Workload API server for demos and tests, never production:\n")
                .append("                 -socket PATH, -trust-domain NAME (example.org), -svid-ttl DURATION (10m),\n")
                .append("                 -entries unix:uid:UID=SPIFFE-ID,... (others get spiffe://DOMAIN/workload)\n")
                .append("  kubelet-sim    publish|unpublish one pod's volume as the kubelet would: -csi-socket PATH,\n")
                .append("                 -pods-dir DIR, -pod-uid UID, -pod-name, -namespace, -service-account,\n")
                .append("                 -volume, -readonly true|false, -max-attempts N\n")
                .append("  workload       the example workload: prints every X.509 context update it receives;\n")
                .append("                 -socket unix:///PATH (default $SPIFFE_ENDPOINT_SOCKET), -updates N\n\n")
                .append("Benchmarks (any CSI node plugin; see BENCHMARKS.md):\n")
                .append("  bench          a kubelet publish storm: -endpoint unix:///PATH, -volumes N, -concurrency C,\n")
                .append("                 -hold, -repeat-publish K, -pid PID (sample its memory), -background-mounts M,\n")
                .append("                 -pods-dir DIR (the driver's; default a new temporary one), -warmup W,\n")
                .append("                 -connect-timeout DURATION, -json\n")
                .append("  bench-startup  time until a driver answers Probe ready, and its RSS then: -runs R,\n")
                .append("                 -warmup-runs W, -socket PATH (default the command's -csi-socket-path),\n")
                .append("                 -timeout DURATION, -json, then -- COMMAND...\n\n")
                .append("Flags (single or double dash; -flag value or -flag=value):\n")
                .append("  --config FILE  a HOCON file layered over the defaults\n");
        for (String flag : DriverFlags.ORDERED) {
            String key = DriverFlags.KEYS.get(flag);
            text.append(String.format("  -%-24s sets %s (env %s)%n", flag, key,
                    ConfigLoader.environmentVariableFor(key)));
        }
        text.append("  --version                 print the version\n");
        return text.toString();
    }
}
