package dev.spiffecsi.bench;

import dev.spiffecsi.dev.cli.CommandGroups;
import dev.spiffecsi.driver.cli.DescribedCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code bench}: a kubelet publish storm against any CSI node plugin's socket, reported as text or JSON.
 *
 * <p>Flags: {@link #usage()}.
 *
 * Exits 0 when every call succeeded and everything was cleaned up, 1 otherwise (the report is printed either way).
 */
public final class BenchCommand extends DescribedCommand {

    private static final String USAGE = """
        Usage: spiffe-csi-driver bench -endpoint unix:///PATH [flags]

        A kubelet publish storm against any CSI node plugin's socket, reported as text or JSON. Exits 0 when every
        call succeeded and everything was cleaned up, 1 otherwise (the report is printed either way).

          -endpoint unix:///PATH     the driver's CSI socket (required)
          -volumes N                 pod volumes to publish (default 100)
          -concurrency C             calls in flight at once (default 1)
          -hold                      publish all, then unpublish all (default: each worker unpublishes right away)
          -repeat-publish K          publish every published volume K more times (a kubelet restart), timed apart
          -pid PID                   sample the driver's VmRSS, VmHWM, threads and fds before, during and after
          -background-mounts M       create M unrelated bind mounts first (root, same mount namespace as the driver)
          -pods-dir DIR              the driver's kubelet pods directory (default: a new temporary one, printed)
          -warmup W                  publish, republish and unpublish W volumes first, unrecorded (default 0)
          -connect-timeout DURATION  wait this long for Probe to answer ready (default 60s)
          -json                      the report as JSON
        """;

    public BenchCommand() {
        super(
                "bench",
                CommandGroups.BENCHMARKS,
                "a kubelet publish storm against a CSI socket, with latency and memory figures",
                USAGE);
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        BenchOptions options = BenchOptions.parse(args);
        BenchReport report;
        try {
            report = StormBench.run(options, err);
        } catch (IOException e) {
            err.println("spiffe-csi-driver bench: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("spiffe-csi-driver bench: interrupted");
            return 1;
        }
        out.print(options.json() ? ReportFormat.json(report) : ReportFormat.text(report));
        out.flush();
        return report.clean() ? 0 : 1;
    }
}
