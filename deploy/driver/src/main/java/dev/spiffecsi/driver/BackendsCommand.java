package dev.spiffecsi.driver;

import dev.spiffecsi.driver.cli.DescribedCommand;
import dev.spiffecsi.engine.backend.BackendRegistry;
import dev.spiffecsi.spi.BackendProvider;
import java.io.PrintStream;
import java.util.List;

/** {@code backends}: what the ServiceLoader finds, with the jar each provider comes from. */
final class BackendsCommand extends DescribedCommand {

    static final String NAME = "backends";

    private static String usageText() {
        return """
                Usage: spiffe-csi-driver backends

                Lists every backend the ServiceLoader finds (lib/ and plugins/), with the jar each comes from.
                It takes no flags.
                """;
    }

    BackendsCommand() {
        super(NAME, "Commands", "list the discovered backends and the jar each comes from", usageText());
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        BackendRegistry registry =
                BackendRegistry.discover(Thread.currentThread().getContextClassLoader());
        for (BackendProvider provider : registry.providers()) {
            out.printf(
                    "%-14s %s%n%14s jar: %s%n",
                    provider.name(), provider.description(), "", BackendRegistry.origin(provider));
        }
        return Main.EXIT_OK;
    }
}
