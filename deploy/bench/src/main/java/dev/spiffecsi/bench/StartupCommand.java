package dev.spiffecsi.bench;

import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.dev.cli.CommandGroups;
import dev.spiffecsi.dev.cli.FlagValues;
import dev.spiffecsi.driver.cli.DescribedCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code bench-startup [flags] -- COMMAND...}: how fast a driver is ready, and how big it is then.
 *
 * <p>Flags: {@link #usage()}.
 */
public final class StartupCommand extends DescribedCommand {

    private static final Set<String> VALUED = Set.of("runs", "warmup-runs", "socket", "timeout");
    private static final Set<String> SWITCHES = Set.of("json");

    private static final String USAGE = """
        Usage: spiffe-csi-driver bench-startup [flags] -- COMMAND...

        Starts COMMAND repeatedly and measures how fast it answers Probe with ready, and its RSS then.

          -runs R             counted runs (default 5)
          -warmup-runs W      runs before those, not counted (default 1)
          -socket PATH        the CSI socket to probe (default: the command's -csi-socket-path)
          -timeout DURATION   per run (default 30s)
          -json               the report as JSON
        """;

    public StartupCommand() {
        super(
                "bench-startup",
                CommandGroups.BENCHMARKS,
                "time until a driver answers Probe ready, and its RSS then",
                USAGE);
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        FlagValues flags = FlagValues.parse(args, VALUED, SWITCHES, true);
        List<String> command = flags.positional();
        if (command.isEmpty()) {
            throw new ConfigException("bench-startup needs the driver command after --, e.g. bench-startup -runs 5 "
                    + "-- deploy/target/dist/bin/spiffe-csi-driver -csi-socket-path /tmp/csi.sock ...");
        }
        Path socket = flags.optional("socket")
                .map(Path::of)
                .or(() -> StartupBench.socketOf(command))
                .orElseThrow(() ->
                        new ConfigException("flag -socket is required when the command has no " + "-csi-socket-path"));
        int runs = flags.count("runs", 5);
        if (runs < 1) {
            throw new ConfigException("flag -runs must be at least 1");
        }
        Duration timeout = flags.duration("timeout", Duration.ofSeconds(30));
        StartupBench.Report report;
        try {
            report = StartupBench.run(command, socket, runs, flags.count("warmup-runs", 1), timeout, err);
        } catch (IOException e) {
            err.println("spiffe-csi-driver bench-startup: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        if (flags.bool("json", false)) {
            out.print(ReportFormat.json(report));
        } else {
            out.printf(
                    Locale.ROOT,
                    "%d runs (after %d warm-up):  median     min     max%n",
                    report.runs().size(),
                    report.warmupRuns());
            out.printf(
                    Locale.ROOT,
                    "  ready (Probe) ms       %8.1f %7.1f %7.1f%n",
                    report.readyMs().median(),
                    report.readyMs().min(),
                    report.readyMs().max());
            out.printf(
                    Locale.ROOT,
                    "  RSS at ready MiB       %8.1f %7.1f %7.1f%n",
                    report.rssMiB().median(),
                    report.rssMiB().min(),
                    report.rssMiB().max());
        }
        out.flush();
        return 0;
    }
}
