package dev.spiffecsi.backend.fuseproxy.workload;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One volume's log of refused callers, so that a pod that keeps calling cannot flood the driver's log: the first
 * refusal is logged, then at most one per {@link #INTERVAL}, saying how many were left out since the last one.
 */
final class ThrottledLog {

    static final Duration INTERVAL = Duration.ofMinutes(1);

    private final System.Logger log;
    private final LongSupplier nanoTime;
    private boolean logged;
    private long lastLogged;
    private long suppressed;

    ThrottledLog(System.Logger log) {
        this(log, System::nanoTime);
    }

    ThrottledLog(System.Logger log, LongSupplier nanoTime) {
        this.log = log;
        this.nanoTime = nanoTime;
    }

    /** Logs {@code message} unless one was logged less than {@link #INTERVAL} ago; then it is only counted. */
    void log(Level level, Supplier<String> message) {
        long suppressedBefore;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            if (logged && now - lastLogged < INTERVAL.toNanos()) {
                suppressed++;
                return;
            }
            logged = true;
            lastLogged = now;
            suppressedBefore = suppressed;
            suppressed = 0;
        }
        log.log(level, message.get() + (suppressedBefore == 0 ? "" : " (" + suppressedBefore
                + " more like it in the last " + INTERVAL.toMinutes() + " min not logged)"));
    }
}
