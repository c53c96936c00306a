package dev.spiffecsi.dev.demo;

import dev.spiffecsi.dev.cli.CommandGroups;
import dev.spiffecsi.dev.cli.FlagValues;
import dev.spiffecsi.dev.demo.DemoSteps.StepFailedException;
import dev.spiffecsi.driver.Main;
import dev.spiffecsi.driver.cli.DescribedCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/**
 * {@code demo}: the driver end to end on this machine, with no cluster and no SPIRE. It starts a dev SPIFFE agent
 * and the driver, publishes a pod's volume as the kubelet would, runs the example workload through the volume,
 * prints the X.509 context the workload receives, unpublishes the volume, checks that nothing is left and stops
 * everything. Exits 0 when all of that worked, else 1 naming the step that failed. Ctrl-C cleans up too.
 *
 * <p>Flags: {@link #usage()}.
 */
public final class DemoCommand extends DescribedCommand {

    private static final Set<String> FLAGS = Set.of("backend");
    private static final Set<String> SWITCHES = Set.of("verbose", "files");

    private final String version;
    private final Class<?> entryPoint;

    private static final String USAGE = """
        Usage: spiffe-csi-driver demo [-backend NAME] [-files] [-verbose]

        The driver end to end on this machine, with no cluster and no SPIRE: a dev SPIFFE agent, the driver, one
        pod's volume published as the kubelet would, the example workload reading its identity through it, then
        unpublished, and a check that nothing is left. Exits 0 when all of that worked, else 1 naming the step.

          -backend NAME   bindmount, symlink-dev or fuse-proxy (default: bindmount as root, in a private mount
                          namespace; else symlink-dev)
          -files          with fuse-proxy: the volume also holds the pod's credential files (csi.spiffe.io/contents:
                          socket,files); the demo lists them and reads the SPIFFE ID from the credential bundle
          -verbose        show the driver's and the agent's INFO logs
        """;

    /** The demo of the distribution this runs in (found with ServiceLoader). */
    public DemoCommand() {
        this(Main.version(), Main.class);
    }

    /**
     * @param version    the version the driver reports
     * @param entryPoint the class whose {@code main} runs {@code demo <args>}, to relaunch in a private namespace
     */
    public DemoCommand(String version, Class<?> entryPoint) {
        super(
                "demo",
                CommandGroups.DEVELOPMENT,
                "see the driver work end to end: dev agent, driver, one pod's volume, the example workload",
                USAGE);
        this.version = version;
        this.entryPoint = entryPoint;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        FlagValues flags = FlagValues.parse(args, FLAGS, SWITCHES, false);
        BackendChoice choice = BackendChoice.decide(flags.optional("backend"), MountPrivileges.detect());
        boolean files = flags.isSet("files");
        if (files && !choice.backend().equals(BackendChoice.FUSE_PROXY)) {
            err.println(
                    "demo: -files needs -backend " + BackendChoice.FUSE_PROXY + ": only it serves credential files");
            return 2;
        }
        if (choice.relaunchPrivately()) {
            out.println("starting the demo again in a private mount namespace (" + choice.reason() + ")");
            out.flush();
            try {
                return PrivateNamespaceRelaunch.run(entryPoint, args, out, err);
            } catch (IOException e) {
                err.println("demo failed: cannot start it in a private mount namespace: " + e.getMessage());
                return 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        return runHere(choice, files, flags.isSet("verbose"), out, err);
    }

    private int runHere(BackendChoice choice, boolean files, boolean verbose, PrintStream out, PrintStream err) {
        CleanupStack cleanup = new CleanupStack();
        Thread onInterrupt = new Thread(
                () -> {
                    err.println("interrupted: stopping the demo and cleaning up");
                    cleanup.unwind().forEach(err::println);
                },
                "demo-cleanup");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        QuietLogging quiet = QuietLogging.unless(verbose);
        try {
            out.println("spiffe-csi demo with backend " + choice.backend() + " (" + choice.reason() + ")");
            boolean completed = runSteps(choice.backend(), files, cleanup, out, err);
            List<String> failures = cleanup.unwind();
            failures.forEach(failure -> err.println("demo cleanup failed: " + failure));
            if (!completed || !failures.isEmpty()) {
                return 1;
            }
            out.println("stopped the driver and the dev SPIFFE agent and deleted the demo's files: it works end to "
                    + "end");
            return 0;
        } finally {
            // left with work only when something unexpected escaped: the agent's and the driver's threads must
            // not keep this JVM alive, nor a volume stay published
            cleanup.unwind().forEach(failure -> err.println("demo cleanup failed: " + failure));
            quiet.close();
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook is already cleaning up
            }
        }
    }

    private boolean runSteps(String backend, boolean files, CleanupStack cleanup, PrintStream out, PrintStream err) {
        try {
            new DemoRun(backend, files, version, cleanup).execute(out);
            return true;
        } catch (StepFailedException e) {
            err.println(e.getMessage());
            return false;
        }
    }
}
