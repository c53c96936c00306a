package dev.spiffecsi.backend.fuseproxy.workload;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One kind of log line that a pod can cause as often as it likes (a refused call, a refused connection): the first
 * is logged, then at most one per interval, which says how many were left out since the last one. A pod that
 * repeats a refused request in a loop then costs a line a minute, not a line per attempt, and cannot bury the other
 * pods' lines. Keep one per volume and kind, so that one pod's flood never hides another pod's first line.
 *
 * <p>Thread-safe.
 */
public final class RateLimitedLog {

    /** How often a repeated line is logged at most. */
    public static final Duration INTERVAL = Duration.ofMinutes(1);

    private final System.Logger log;
    private final Level level;
    private final long intervalNanos;
    private final LongSupplier nanoTime;

    private boolean loggedOnce;
    private long lastLogged;
    private long suppressed;

    public RateLimitedLog(System.Logger log, Level level) {
        this(log, level, INTERVAL, System::nanoTime);
    }

    /** With another interval and clock, for tests. */
    RateLimitedLog(System.Logger log, Level level, Duration interval, LongSupplier nanoTime) {
        this.log = log;
        this.level = level;
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    /**
     * Logs the line unless one was logged less than an interval ago, in which case it is only counted. The supplier
     * runs at once (before this returns) or not at all.
     */
    public void log(Supplier<String> line) {
        long left;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            if (loggedOnce && now - lastLogged < intervalNanos) {
                suppressed++;
                return;
            }
            loggedOnce = true;
            lastLogged = now;
            left = suppressed;
            suppressed = 0;
        }
        log.log(
                level,
                left == 0
                        ? line.get()
                        : line.get() + " (and " + left + " more like it since the last such "
                                + "line, not logged: at most one a minute)");
    }
}
