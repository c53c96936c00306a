package dev.spiffecsi.driver;

import dev.spiffecsi.config.ConfigLoader;
import dev.spiffecsi.config.DriverFlags;
import dev.spiffecsi.driver.cli.Command;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The global --help text, and the flag list that serve and check-config share. */
final class Usage {

    private Usage() {}

    static String text(String version, Commands commands) {
        StringBuilder text = new StringBuilder();
        text.append("spiffe-csi-driver (version ")
                .append(version)
                .append(")\n")
                .append("Provides the Workload API socket directory via ephemeral inline CSI volumes\n\n")
                .append("Usage: spiffe-csi-driver [command] [flags]\n")
                .append("       spiffe-csi-driver COMMAND --help   the command's own flags\n\n")
                .append("Commands:\n");
        for (Command command : commands.builtIn()) {
            line(text, command);
        }
        text.append(String.format("  %-14s %s%n", "help", "this text"));
        Map<String, List<Command>> groups = new LinkedHashMap<>();
        for (Command command : commands.discovered()) {
            groups.computeIfAbsent(command.group(), g -> new java.util.ArrayList<>())
                    .add(command);
        }
        groups.forEach((group, members) -> {
            text.append('\n').append(group).append(":\n");
            members.forEach(command -> line(text, command));
        });
        if (groups.isEmpty()) {
            text.append(
                            "\nThe development tools (demo, dev-agent, kubelet-sim, workload, bench) are in the development\n")
                    .append("distribution (deploy/dev-distribution/target/dist), not in the production driver.\n");
        }
        text.append("\nFlags of serve and check-config (single or double dash; -flag value or -flag=value):\n");
        appendDriverFlags(text);
        text.append("  --version                 print the version\n");
        return text.toString();
    }

    private static void line(StringBuilder text, Command command) {
        text.append(String.format("  %-14s %s%n", command.name(), command.summary()));
    }

    /** Every driver flag with the configuration key it sets and that key's environment variable. */
    static void appendDriverFlags(StringBuilder text) {
        text.append("  --config FILE             a HOCON file layered over the defaults\n");
        for (String flag : DriverFlags.ORDERED) {
            String key = DriverFlags.KEYS.get(flag);
            text.append(
                    String.format("  -%-24s sets %s (env %s)%n", flag, key, ConfigLoader.environmentVariableFor(key)));
        }
    }
}
