package dev.spiffecsi.dev.simulatednode.fuseproxy;

import java.util.List;

/** Reads back what the example workload prints ({@code X509ContextFormat}) amid a child process's log lines. */
final class PrintedContext {

    private static final String SVIDS = "  SVIDs:\n";
    private static final String BUNDLES = "  Bundles:\n";

    private PrintedContext() {}

    /** The SPIFFE IDs of the first update printed; empty when none was. */
    static List<String> svids(String output) {
        int start = output.indexOf(SVIDS);
        if (start < 0) {
            return List.of();
        }
        int end = output.indexOf(BUNDLES, start);
        return output.substring(start + SVIDS.length(), end)
                .lines()
                .map(String::strip)
                .toList();
    }
}
