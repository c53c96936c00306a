package dev.spiffecsi.driver;

import dev.spiffecsi.config.LoadedConfig;
import dev.spiffecsi.driver.cli.DescribedCommand;
import dev.spiffecsi.engine.backend.BackendRegistry;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.BackendProvider;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code check-config}: loads the configuration exactly as {@code serve} would, checks that the selected backend
 * exists and that the node id resolves, and prints the effective tree. Exits non-zero with the errors otherwise.
 */
final class CheckConfigCommand extends DescribedCommand {

    static final String NAME = "check-config";

    private static String usageText() {
        StringBuilder text = new StringBuilder("""
                Usage: spiffe-csi-driver check-config [flags]

                Loads the configuration exactly as serve would and prints the effective tree; exits 1 with every
                error otherwise. It takes serve's flags:
                """);
        Usage.appendDriverFlags(text);
        return text.toString();
    }

    CheckConfigCommand() {
        super(NAME, "Commands", "print the effective configuration, or the errors in it", usageText());
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        LoadedConfig config = DriverConfiguration.load(args);
        BackendProvider provider = BackendRegistry.discover(
                        Thread.currentThread().getContextClassLoader())
                .select(config.settings().backend());
        if (config.settings().nodeId().isEmpty()) {
            throw new dev.spiffecsi.config.ConfigException("the node id is empty: pass -node-id or set "
                    + config.settings().nodeIdEnv());
        }
        try {
            BackendSettingsCheck.check(provider, config);
        } catch (BackendException e) {
            throw new dev.spiffecsi.config.ConfigException(e.getMessage());
        }
        config.warnings().forEach(w -> out.println("# warning: " + w));
        out.println("# node id: " + config.settings().nodeId());
        out.println("# backend: " + provider.name() + " (" + BackendRegistry.origin(provider) + ")");
        out.println(config.render());
        return Main.EXIT_OK;
    }
}
