package dev.spiffecsi.driver.cli;

import java.io.PrintStream;
import java.util.List;

/**
 * A command of {@code spiffe-csi-driver}. The driver's own commands ({@code serve}, {@code backends},
 * {@code check-config}) are built in; every other command (the development kit's, the benchmarks') is a provider
 * found with {@link java.util.ServiceLoader} in {@code META-INF/services/dev.spiffecsi.driver.cli.Command}, so the
 * production distribution holds none of them and the development distribution adds them by adding jars.
 *
 * <p>A command reports bad flags by throwing {@code dev.spiffecsi.config.ConfigException} with a message starting
 * with "flag " or "unknown flag"; the CLI prints it and exits with {@link #EXIT_USAGE}.
 */
public interface Command {

    int EXIT_OK = 0;
    int EXIT_FAILURE = 1;
    int EXIT_USAGE = 2;

    /** The word that selects the command, e.g. {@code demo}. */
    String name();

    /** The heading the command is listed under in {@code --help}, e.g. "Development tools". */
    String group();

    /** One line for the global {@code --help}. */
    String summary();

    /** What {@code spiffe-csi-driver NAME --help} prints: the usage line and every flag. */
    String usage();

    /** Runs the command; returns the process exit code. */
    int run(List<String> args, PrintStream out, PrintStream err);
}
