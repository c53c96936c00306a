package dev.spiffecsi.dev.cli;

/** The headings the development distribution's commands are listed under in {@code spiffe-csi-driver --help}. */
public final class CommandGroups {

    public static final String DEVELOPMENT = "Development tools (no cluster, no SPIRE needed; never for production)";
    public static final String BENCHMARKS = "Benchmarks (any CSI node plugin; see BENCHMARKS.md)";

    private CommandGroups() {}
}
