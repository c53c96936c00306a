package dev.spiffecsi.hostile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tier's figures in one table: every part adds its rows (what was measured, the bound it is checked against,
 * and whether it held), and {@link #publish} prints the table so far and rewrites
 * {@code target/hostile-report.txt}, so that the file holds every part that ran, also when a later one fails.
 */
final class TierReport {

    /** One figure: {@code bound} is empty for a figure that is reported only. */
    record Row(String part, String figure, String measured, String bound, boolean held) {}

    private static final List<Row> ROWS = new ArrayList<>();

    private TierReport() {}

    static synchronized void add(String part, String figure, String measured, String bound, boolean held) {
        ROWS.add(new Row(part, figure, measured, bound, held));
    }

    /** A figure reported without a bound. */
    static synchronized void info(String part, String figure, String measured) {
        ROWS.add(new Row(part, figure, measured, "", true));
    }

    /** Prints the table and writes it to the report file. */
    static synchronized void publish() {
        String table = render();
        System.out.println(table);
        Path file = Path.of(System.getProperty("hostile.report", "target/hostile-report.txt"));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, table, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the tier's report to " + file, e);
        }
    }

    static synchronized String render() {
        int part = "part".length();
        int figure = "figure".length();
        int measured = "measured".length();
        int bound = "bound".length();
        for (Row row : ROWS) {
            part = Math.max(part, row.part().length());
            figure = Math.max(figure, row.figure().length());
            measured = Math.max(measured, row.measured().length());
            bound = Math.max(bound, row.bound().length());
        }
        String format = "%-" + part + "s  %-" + figure + "s  %-" + measured + "s  %-" + bound + "s  %s%n";
        StringBuilder text = new StringBuilder();
        text.append(String.format(
                Locale.ROOT,
                "== hostile-input tier, %s, %s, %d CPUs%n",
                Instant.now(),
                TierSeed.howToRepeat(),
                Runtime.getRuntime().availableProcessors()));
        text.append(String.format(Locale.ROOT, format, "part", "figure", "measured", "bound", "verdict"));
        for (Row row : ROWS) {
            text.append(String.format(
                    Locale.ROOT,
                    format,
                    row.part(),
                    row.figure(),
                    row.measured(),
                    row.bound(),
                    row.bound().isEmpty() ? "" : row.held() ? "ok" : "FAILED"));
        }
        return text.toString();
    }
}
