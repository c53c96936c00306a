package dev.spiffecsi.dev.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/**
 * Raises the log level to warnings while the demo runs, so that its step reports are not buried under the
 * driver's, the agent's and the java-spiffe client's INFO lines; warnings (the dev agent's "not for production")
 * still show. The java-spiffe client logs through java.util.logging, everything else through logback.
 */
final class QuietLogging implements AutoCloseable {

    private final Logger root;
    private final Level previous;
    /** Held, not just configured: java.util.logging forgets the level of a logger nobody references. */
    private final java.util.logging.Logger javaSpiffe;
    private final java.util.logging.Level javaSpiffePrevious;

    private QuietLogging(Logger root, java.util.logging.Logger javaSpiffe) {
        this.root = root;
        this.previous = root == null ? null : root.getLevel();
        this.javaSpiffe = javaSpiffe;
        this.javaSpiffePrevious = javaSpiffe == null ? null : javaSpiffe.getLevel();
    }

    /** Quiets logging until {@link #close()}, unless {@code verbose}. */
    static QuietLogging unless(boolean verbose) {
        if (verbose) {
            return new QuietLogging(null, null);
        }
        Logger root = LoggerFactory.getILoggerFactory() instanceof LoggerContext context
                ? context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) : null;
        QuietLogging quiet = new QuietLogging(root, java.util.logging.Logger.getLogger("io.spiffe"));
        if (root != null) {
            root.setLevel(Level.WARN);
        }
        quiet.javaSpiffe.setLevel(java.util.logging.Level.WARNING);
        return quiet;
    }

    @Override
    public void close() {
        if (root != null) {
            root.setLevel(previous);
        }
        if (javaSpiffe != null) {
            javaSpiffe.setLevel(javaSpiffePrevious);
        }
    }
}
