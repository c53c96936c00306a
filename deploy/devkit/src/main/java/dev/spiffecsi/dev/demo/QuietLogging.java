package dev.spiffecsi.dev.demo;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Raises the log level to warnings while the demo runs, so that its step reports are not buried under the
 * driver's, the agent's and the java-spiffe client's INFO lines; warnings (the dev agent's "not for production")
 * still show. Everything logs through java.util.logging (SLF4J through the driver's JulServiceProvider).
 */
final class QuietLogging implements AutoCloseable {

    /** Held, not just configured: java.util.logging forgets the level of a logger nobody references. */
    private static final Logger ROOT = Logger.getLogger("");

    private static final Logger DRIVER = Logger.getLogger("dev.spiffecsi");

    private final boolean quiet;
    private final Level rootBefore;
    private final Level driverBefore;

    private QuietLogging(boolean quiet) {
        this.quiet = quiet;
        this.rootBefore = ROOT.getLevel();
        this.driverBefore = DRIVER.getLevel();
    }

    /** Quiets logging until {@link #close()}, unless {@code verbose}. */
    static QuietLogging unless(boolean verbose) {
        QuietLogging logging = new QuietLogging(!verbose);
        if (logging.quiet) {
            ROOT.setLevel(Level.WARNING);
            DRIVER.setLevel(Level.WARNING);
        }
        return logging;
    }

    @Override
    public void close() {
        if (quiet) {
            ROOT.setLevel(rootBefore);
            DRIVER.setLevel(driverBefore);
        }
    }
}
