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
