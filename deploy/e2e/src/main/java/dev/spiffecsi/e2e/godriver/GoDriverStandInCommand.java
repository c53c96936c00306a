package dev.spiffecsi.e2e.godriver;

import dev.spiffecsi.dev.cli.CommandGroups;
import dev.spiffecsi.dev.cli.FlagValues;
import dev.spiffecsi.driver.cli.DescribedCommand;
import dev.spiffecsi.engine.csi.CsiSocketServer;
import dev.spiffecsi.engine.os.JnaMountSyscalls;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code go-driver-stand-in}: serves CSI on the Go driver's flags and publishes volumes exactly as spiffe/spiffe-csi
 * v0.2.12 does ({@link GoDriverNode}), so that the end-to-end tier can make workload pods whose volumes were
 * mounted as the Go driver mounts them, and then switch the DaemonSet's image to this driver's. The tier has no Go
 * driver image (no registry to pull it from, no Go toolchain to build it): this stand-in is the Go driver's
 * publish and unpublish, not the Go driver. Nothing else of it (logging, gRPC server, flag parsing) is imitated.
 *
 * <p>Not part of any distribution: the tier's example workload image carries this module's jar in
 * {@code plugins/}, where the launcher finds it.
 */
public final class GoDriverStandInCommand extends DescribedCommand {

    private static final String USAGE = """
        Usage: spiffe-csi-driver go-driver-stand-in [flags]

        The end-to-end tier's stand-in for spiffe/spiffe-csi v0.2.12: serves CSI (Identity and Node) on its flags
        and publishes each volume as that driver does: the target directory created (mode 0777, umask applied),
        the agent socket directory bind-mounted there with MS_BIND alone, no record kept. Never for production.

          -workload-api-socket-dir DIR   the agent's socket directory (required)
          -csi-socket-path PATH          where to serve CSI; default /spiffe-csi/csi.sock
          -plugin-name NAME              default csi.spiffe.io
          -node-id-env NAME              the environment variable holding the node ID; default MY_NODE_NAME
        """;

    public GoDriverStandInCommand() {
        super(
                "go-driver-stand-in",
                CommandGroups.DEVELOPMENT,
                "publishes volumes as spiffe/spiffe-csi v0.2.12 does (end-to-end tier's upgrade check)",
                USAGE);
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        FlagValues flags = FlagValues.parse(
                args,
                Set.of("workload-api-socket-dir", "csi-socket-path", "plugin-name", "node-id-env"),
                Set.of(),
                false);
        String nodeId = System.getenv(flags.string("node-id-env", "MY_NODE_NAME"));
        if (nodeId == null || nodeId.isEmpty()) {
            err.println("go-driver-stand-in: node ID is required");
            return EXIT_FAILURE;
        }
        String pluginName = flags.string("plugin-name", "csi.spiffe.io");
        GoDriverNode node = new GoDriverNode(
                new JnaMountSyscalls(),
                nodeId,
                flags.optional("workload-api-socket-dir").orElse(""),
                out);
        try (CsiSocketServer server = CsiSocketServer.start(
                Path.of(flags.string("csi-socket-path", "/spiffe-csi/csi.sock")),
                List.of(new GoDriverIdentity(pluginName).bindService(), node.bindService()),
                Duration.ofSeconds(5))) {
            out.println("go-driver-stand-in: serving " + pluginName + " on " + server.socket() + ", publishing "
                    + node.workloadApiSocketDir() + " as spiffe/spiffe-csi v0.2.12 does");
            out.flush();
            Thread.currentThread().join();
            return EXIT_OK;
        } catch (IOException e) {
            err.println("go-driver-stand-in: " + e.getMessage());
            return EXIT_FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_OK;
        }
    }
}
