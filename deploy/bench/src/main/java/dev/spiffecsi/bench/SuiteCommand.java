package dev.spiffecsi.bench;

import dev.spiffecsi.dev.cli.CommandGroups;
import dev.spiffecsi.dev.demo.MountPrivileges;
import dev.spiffecsi.driver.cli.DescribedCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/** {@code bench-suite}: the standard scenarios against one driver, in one table (deploy/bench/run.sh runs it). */
public final class SuiteCommand extends DescribedCommand {

    private static final String USAGE = """
        Usage: spiffe-csi-driver bench-suite [flags] -- LAUNCHER [ARGS...]

        Starts the driver with LAUNCHER (plus serve and a node layout of its own) and runs the standard scenarios:
        start-up to ready, idle memory, storms of held volumes with a kubelet-restart replay, one call at a time,
        and one call at a time with many unrelated mounts. Prints one table. Run it as root in a private mount
        namespace for bindmount (deploy/bench/run.sh does).

          -backend NAME            default bindmount when this process may mount, else symlink-dev
          -rounds N                storms, one after the other against the same driver (default 3)
          -storm-volumes N         volumes per storm (default 200)
          -concurrency C           calls in flight during a storm (default 8)
          -sequential-volumes N    volumes of each sequential phase (default 1000)
          -background-mounts M     unrelated mounts for the last phase (default 10000; 0 skips it)
          -startup-runs R          counted start-ups (default 5; 0 skips them)
          -state-on-disk           the state directory on disk (/var/tmp) instead of tmpfs (/dev/shm)
          -json                    the report as JSON
        """;

    public SuiteCommand() {
        super(
                "bench-suite",
                CommandGroups.BENCHMARKS,
                "the standard scenarios against one driver (start-up, storms, sequential, 10k mounts), one table",
                USAGE);
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        SuiteOptions options =
                SuiteOptions.parse(args, MountPrivileges.detect().canMount() ? "bindmount" : "symlink-dev");
        SuiteReport report;
        try {
            report = BenchSuite.run(options, err);
        } catch (IOException e) {
            err.println("spiffe-csi-driver bench-suite: " + e.getMessage());
            return EXIT_FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_FAILURE;
        }
        out.print(options.json() ? ReportFormat.json(report) : report.text());
        return report.exitCode() == 0 ? EXIT_OK : EXIT_FAILURE;
    }
}
