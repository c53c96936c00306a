package dev.spiffecsi.driver;

import dev.spiffecsi.engine.backend.BackendRegistry;
import dev.spiffecsi.spi.BackendProvider;
import java.io.PrintStream;
import java.util.List;

/** {@code backends}: what the ServiceLoader finds, with the jar each provider comes from. */
final class BackendsCommand {

    private BackendsCommand() {
    }

    static int run(List<String> args, PrintStream out) {
        BackendRegistry registry = BackendRegistry.discover(Thread.currentThread().getContextClassLoader());
        for (BackendProvider provider : registry.providers()) {
            out.printf("%-14s %s%n%14s jar: %s%n", provider.name(), provider.description(), "",
                    BackendRegistry.origin(provider));
        }
        return Main.EXIT_OK;
    }
}
