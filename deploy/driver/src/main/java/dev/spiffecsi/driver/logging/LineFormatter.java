package dev.spiffecsi.driver.logging;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * One log record per line: text for people, or JSON with the keys of the Go driver's zap production logger
 * ({@code level}, {@code ts} in seconds since the epoch, {@code logger}, {@code msg}, {@code stacktrace}), so that log
 * pipelines set up for spiffe/spiffe-csi keep working.
 */
public final class LineFormatter extends Formatter {

    private static final DateTimeFormatter SECOND =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final int LOGGER_WIDTH = 24;

    private final boolean json;
    /** Shortened logger names: a handful of names, formatted once each instead of on every record. */
    private final Map<String, String> abbreviations = new ConcurrentHashMap<>();
    /** The formatted second of the last record: records come in bursts, and formatting dates is slow. */
    private volatile FormattedSecond lastSecond = new FormattedSecond(Long.MIN_VALUE, "");

    private record FormattedSecond(long epochSecond, String text) {}

    public LineFormatter(boolean json) {
        this.json = json;
    }

    @Override
    public String format(LogRecord record) {
        String message = formatMessage(record);
        String stack = record.getThrown() == null ? null : stackTrace(record.getThrown());
        return json ? json(record, message, stack) : text(record, message, stack);
    }

    private String text(LogRecord record, String message, String stack) {
        StringBuilder line = new StringBuilder(96 + message.length());
        appendTime(line, record.getInstant());
        String level = levelName(record.getLevel()).toUpperCase(Locale.ROOT);
        line.append(' ').append(level).append(" ".repeat(Math.max(1, 6 - level.length())));
        String logger = String.valueOf(record.getLoggerName());
        line.append(abbreviations.computeIfAbsent(logger, LineFormatter::abbreviate))
                .append(" - ")
                .append(message)
                .append('\n');
        if (stack != null) {
            line.append(stack);
        }
        return line.toString();
    }

    /** {@code 2026-12-02T15:21:52.252Z}. */
    private void appendTime(StringBuilder line, Instant time) {
        FormattedSecond second = lastSecond;
        if (second.epochSecond() != time.getEpochSecond()) {
            second = new FormattedSecond(time.getEpochSecond(), SECOND.format(time));
            lastSecond = second;
        }
        int millis = time.getNano() / 1_000_000;
        line.append(second.text())
                .append('.')
                .append(millis < 10 ? "00" : millis < 100 ? "0" : "")
                .append(millis)
                .append('Z');
    }

    private static String json(LogRecord record, String message, String stack) {
        JsonStringEncoder encoder = JsonStringEncoder.getInstance();
        Instant time = record.getInstant();
        StringBuilder line = new StringBuilder(96 + message.length());
        line.append("{\"level\":\"")
                .append(levelName(record.getLevel()))
                .append("\",\"ts\":")
                .append(time.getEpochSecond())
                .append('.')
                .append(sixDigits(time.getNano() / 1000))
                .append(",\"logger\":\"");
        encoder.quoteAsString(String.valueOf(record.getLoggerName()), line);
        line.append("\",\"msg\":\"");
        encoder.quoteAsString(message, line);
        line.append('"');
        if (stack != null) {
            line.append(",\"stacktrace\":\"");
            encoder.quoteAsString(stack, line);
            line.append('"');
        }
        return line.append("}\n").toString();
    }

    private static String sixDigits(int micros) {
        String digits = Integer.toString(micros);
        return "000000".substring(digits.length()) + digits;
    }

    /** SLF4J's names for java.util.logging's levels (JulLoggers maps debug to FINE, trace to FINEST). */
    static String levelName(Level level) {
        int value = level.intValue();
        if (value >= Level.SEVERE.intValue()) {
            return "error";
        }
        if (value >= Level.WARNING.intValue()) {
            return "warn";
        }
        if (value >= Level.INFO.intValue()) {
            return "info";
        }
        if (value >= Level.FINE.intValue()) {
            return "debug";
        }
        return "trace";
    }

    /** {@code dev.spiffecsi.engine.csi.CsiSocketServer} → {@code d.s.e.c.CsiSocketServer}, as logback shortens. */
    static String abbreviate(String name) {
        if (name == null || name.length() <= LOGGER_WIDTH) {
            return String.valueOf(name);
        }
        String[] parts = name.split("\\.");
        int length = name.length();
        for (int i = 0; i < parts.length - 1 && length > LOGGER_WIDTH; i++) {
            length -= parts[i].length() - 1;
            parts[i] = parts[i].isEmpty() ? parts[i] : parts[i].substring(0, 1);
        }
        return String.join(".", parts);
    }

    private static String stackTrace(Throwable thrown) {
        StringWriter trace = new StringWriter();
        thrown.printStackTrace(new PrintWriter(trace));
        return trace.toString();
    }
}
