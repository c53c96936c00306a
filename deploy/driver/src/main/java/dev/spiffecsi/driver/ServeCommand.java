package dev.spiffecsi.driver;

import dev.spiffecsi.config.LoadedConfig;
import dev.spiffecsi.driver.cli.DescribedCommand;
import dev.spiffecsi.driver.logging.LogSetup;
import dev.spiffecsi.engine.backend.BackendRegistry;
import dev.spiffecsi.engine.runtime.Driver;
import dev.spiffecsi.spi.BackendException;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * {@code serve}: runs the driver until SIGTERM or SIGINT, then stops accepting calls, lets in-flight ones finish
 * (bounded by shutdown-grace-period) and exits, leaving every published volume in place.
 */
final class ServeCommand extends DescribedCommand {

    static final String NAME = "serve";

    private static String usageText() {
        StringBuilder text = new StringBuilder("""
                Usage: spiffe-csi-driver [serve] [flags]

                Serves CSI on csi-socket-path until SIGTERM or SIGINT, then lets in-flight calls finish and exits 0;
                published volumes stay published. Flags (single or double dash; -flag value or -flag=value):
                """);
        Usage.appendDriverFlags(text);
        return text.toString();
    }

    ServeCommand() {
        super(NAME, "Commands", "serve CSI on the socket (the default)", usageText());
    }

    @Override
    public int run(List<String> args, java.io.PrintStream out, java.io.PrintStream err) {
        LoadedConfig config = DriverConfiguration.load(args);
        LogSetup.apply(config.settings().log());
        Logger log = LoggerFactory.getLogger(ServeCommand.class);
        Driver driver;
        try {
            driver = Driver.start(
                    config, BackendRegistry.discover(Thread.currentThread().getContextClassLoader()), Main.version());
        } catch (IOException | BackendException e) {
            log.error("failed to start: {}", e.getMessage());
            return Main.EXIT_FAILURE;
        }
        // SIGTERM (the kubelet stopping the pod) and SIGINT stop the driver gracefully and exit 0; the shutdown
        // hook covers any other way the JVM ends
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                log.info("received SIG{}", signal.getName());
                Thread.ofPlatform().name("shutdown-" + signal.getName()).start(driver::close);
            });
        }
        Runtime.getRuntime().addShutdownHook(new Thread(driver::close, "shutdown"));
        try {
            driver.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Main.EXIT_OK;
    }
}
