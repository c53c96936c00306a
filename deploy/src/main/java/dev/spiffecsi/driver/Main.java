package dev.spiffecsi.driver;

import dev.spiffecsi.bench.BenchCommand;
import dev.spiffecsi.bench.StartupCommand;
import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.dev.agent.DevAgentCommand;
import dev.spiffecsi.dev.demo.DemoCommand;
import dev.spiffecsi.dev.kubelet.KubeletSimCommand;
import dev.spiffecsi.dev.workload.WorkloadCommand;
import dev.spiffecsi.engine.backend.BackendRegistry;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/** {@code spiffe-csi-driver [command] [flags]}: the entry point of the distribution. */
public final class Main {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    /** Runs one command and returns its exit code; never calls System.exit (tests call this). */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        String command = args.isEmpty() || args.get(0).startsWith("-") ? "serve" : args.get(0);
        List<String> rest = args.isEmpty() || args.get(0).startsWith("-") ? args : args.subList(1, args.size());
        // only flags before "--" count: after it come another command's arguments (bench-startup)
        List<String> flags = rest.contains("--") ? rest.subList(0, rest.indexOf("--")) : rest;
        if (flags.contains("--version") || flags.contains("-version")) {
            out.println("spiffe-csi-driver " + version());
            return EXIT_OK;
        }
        if (flags.contains("--help") || flags.contains("-help") || flags.contains("-h") || command.equals("help")) {
            out.print(Usage.text(version()));
            return EXIT_OK;
        }
        try {
            return switch (command) {
                case "serve" -> ServeCommand.run(rest);
                case "backends" -> BackendsCommand.run(rest, out);
                case "check-config" -> CheckConfigCommand.run(rest, out);
                case "demo" -> new DemoCommand(version(), Main.class).run(rest, out, err);
                case "dev-agent" -> DevAgentCommand.run(rest, err);
                case "kubelet-sim" -> KubeletSimCommand.run(rest, out, err);
                case "workload" -> WorkloadCommand.run(rest, out, err);
                case "bench" -> BenchCommand.run(rest, out, err);
                case "bench-startup" -> StartupCommand.run(rest, out, err);
                default -> {
                    err.println("unknown command \"" + command + "\"");
                    err.print(Usage.text(version()));
                    yield EXIT_USAGE;
                }
            };
        } catch (ConfigException e) {
            err.println("spiffe-csi-driver: " + e.getMessage());
            return e.getMessage().startsWith("unknown flag") || e.getMessage().startsWith("flag ")
                    ? EXIT_USAGE : EXIT_FAILURE;
        } catch (BackendRegistry.BackendSelectionException e) {
            err.println("spiffe-csi-driver: " + e.getMessage());
            return EXIT_FAILURE;
        }
    }

    /** The project version, from the jar manifest; "dev" when running from classes. */
    public static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
