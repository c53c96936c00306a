package dev.spiffecsi.driver.logging;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** SLF4J loggers over java.util.logging loggers of the same name, one each. */
final class JulLoggers implements ILoggerFactory {

    private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();

    @Override
    public Logger getLogger(String name) {
        return loggers.computeIfAbsent(name, JulLogger::new);
    }

    /** The java.util.logging level of an SLF4J level, as slf4j-jdk14 maps them. */
    static Level level(org.slf4j.event.Level level) {
        return switch (level) {
            case TRACE -> Level.FINEST;
            case DEBUG -> Level.FINE;
            case INFO -> Level.INFO;
            case WARN -> Level.WARNING;
            case ERROR -> Level.SEVERE;
        };
    }

    private static final class JulLogger extends LegacyAbstractLogger {

        private static final long serialVersionUID = 1L;

        private final transient java.util.logging.Logger logger;

        JulLogger(String name) {
            this.name = name;
            this.logger = java.util.logging.Logger.getLogger(name);
        }

        @Override
        public boolean isTraceEnabled() {
            return logger.isLoggable(Level.FINEST);
        }

        @Override
        public boolean isDebugEnabled() {
            return logger.isLoggable(Level.FINE);
        }

        @Override
        public boolean isInfoEnabled() {
            return logger.isLoggable(Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return logger.isLoggable(Level.WARNING);
        }

        @Override
        public boolean isErrorEnabled() {
            return logger.isLoggable(Level.SEVERE);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(
                org.slf4j.event.Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
            Level julLevel = level(level);
            if (!logger.isLoggable(julLevel)) {
                return;
            }
            LogRecord record = new LogRecord(julLevel, MessageFormatter.basicArrayFormat(pattern, arguments));
            record.setLoggerName(name);
            record.setThrown(throwable);
            logger.log(record);
        }
    }
}
