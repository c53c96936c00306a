package dev.spiffecsi.e2e.support;

import java.time.Duration;

/**
 * One line per step of the tier on the console, with the time since the tier started: a run takes minutes, and
 * the lines show where they go.
 */
public final class Progress {

    private static final long STARTED = System.nanoTime();

    private Progress() {}

    public static void log(String message) {
        System.out.printf("[e2e %s] %s%n", format(sinceStart()), message);
        System.out.flush();
    }

    public static Duration sinceStart() {
        return Duration.ofNanos(System.nanoTime() - STARTED);
    }

    /** {@code m:ss}. */
    public static String format(Duration duration) {
        return String.format("%d:%02d", duration.toMinutes(), duration.toSecondsPart());
    }
}
