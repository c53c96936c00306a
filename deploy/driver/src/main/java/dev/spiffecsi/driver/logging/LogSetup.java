package dev.spiffecsi.driver.logging;

import dev.spiffecsi.config.LogSettings;
import java.nio.charset.StandardCharsets;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Sends every log record (SLF4J's through JulServiceProvider, the backends' System.Logger and the JDK's own) to standard
 * error, one line each, through java.util.logging, which is in the JDK: no logging framework to load at start.
 *
 * <p>The configured level applies to the driver's own loggers ({@code dev.spiffecsi.*}) only. Libraries and the JDK
 * stay at info: at debug they print their internals (the JDK logs every process start and Runtime.exit with a
 * stack trace, gRPC and netty their frames), which reads like errors and tells an operator nothing.
 */
public final class LogSetup {

    /** The driver's own loggers. Held: java.util.logging forgets the level of a logger nobody references. */
    private static final Logger DRIVER = Logger.getLogger("dev.spiffecsi");

    private static final Logger ROOT = Logger.getLogger("");

    private LogSetup() {}

    /** Replaces whatever logging configuration there was with {@code settings}. */
    public static synchronized void apply(LogSettings settings) {
        LogManager.getLogManager().reset();
        Handler stderr = new ConsoleHandler();
        stderr.setLevel(Level.ALL);
        stderr.setFormatter(new LineFormatter(settings.format() == LogSettings.Format.JSON));
        try {
            stderr.setEncoding(StandardCharsets.UTF_8.name());
        } catch (java.io.UnsupportedEncodingException e) {
            throw new IllegalStateException("UTF-8 is always supported", e);
        }
        ROOT.addHandler(stderr);
        ROOT.setLevel(Level.INFO);
        DRIVER.setLevel(level(settings.level()));
    }

    /** The java.util.logging level of an SLF4J level name, as JulLoggers maps them. */
    static Level level(String name) {
        return JulLoggers.level(org.slf4j.event.Level.valueOf(name.toUpperCase(java.util.Locale.ROOT)));
    }
}
