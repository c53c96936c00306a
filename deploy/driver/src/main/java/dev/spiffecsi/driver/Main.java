package dev.spiffecsi.driver;

import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.config.LogSettings;
import dev.spiffecsi.driver.cli.Command;
import dev.spiffecsi.driver.logging.LogSetup;
import dev.spiffecsi.engine.backend.BackendRegistry;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** {@code spiffe-csi-driver [command] [flags]}: the entry point of both distributions. */
public final class Main {

    static final int EXIT_OK = Command.EXIT_OK;
    static final int EXIT_FAILURE = Command.EXIT_FAILURE;
    static final int EXIT_USAGE = Command.EXIT_USAGE;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    /** Runs one command and returns its exit code; never calls System.exit (tests call this). */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        // until a command applies its own settings (serve, from its configuration)
        LogSetup.apply(new LogSettings("info", LogSettings.Format.TEXT));
        boolean named = !args.isEmpty() && !args.get(0).startsWith("-");
        String name = named ? args.get(0) : ServeCommand.NAME;
        List<String> rest = named ? args.subList(1, args.size()) : args;
        // only flags before "--" count: after it come another command's arguments (bench-startup)
        List<String> flags = rest.contains("--") ? rest.subList(0, rest.indexOf("--")) : rest;
        if (flags.contains("--version") || flags.contains("-version")) {
            out.println("spiffe-csi-driver " + version());
            return EXIT_OK;
        }
        Commands commands = new Commands();
        boolean help = flags.contains("--help") || flags.contains("-help") || flags.contains("-h");
        if (name.equals("help") || (help && !named)) {
            out.print(Usage.text(version(), commands));
            return EXIT_OK;
        }
        Optional<Command> command = commands.find(name);
        if (command.isEmpty()) {
            err.println("unknown command \"" + name + "\""
                    + (Commands.DEVELOPMENT.contains(name)
                            ? ": it is a development tool, in the development distribution "
                                    + "(deploy/dev-distribution/target/dist), not in the production driver"
                            : ""));
            err.print(Usage.text(version(), commands));
            return EXIT_USAGE;
        }
        if (help) {
            out.print(command.get().usage());
            return EXIT_OK;
        }
        try {
            return command.get().run(rest, out, err);
        } catch (ConfigException e) {
            err.println("spiffe-csi-driver: " + e.getMessage());
            if (isUsageError(e)) {
                err.println("(spiffe-csi-driver " + name + " --help lists its flags)");
                return EXIT_USAGE;
            }
            return EXIT_FAILURE;
        } catch (BackendRegistry.BackendSelectionException e) {
            err.println("spiffe-csi-driver: " + e.getMessage());
            return EXIT_FAILURE;
        }
    }

    private static boolean isUsageError(ConfigException e) {
        String message = e.getMessage();
        return message.startsWith("unknown flag")
                || message.startsWith("flag ")
                || message.startsWith("unexpected argument");
    }

    /** The project version, from the jar manifest; "dev" when running from classes. */
    public static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
