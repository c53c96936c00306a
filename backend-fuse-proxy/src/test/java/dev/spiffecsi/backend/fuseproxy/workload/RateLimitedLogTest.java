package dev.spiffecsi.backend.fuseproxy.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A line a pod can cause at will is logged once, then at most once an interval, with the count of the others. */
class RateLimitedLogTest {

    private final CapturingLogger log = new CapturingLogger();
    private final AtomicLong now = new AtomicLong();
    private final RateLimitedLog limited = new RateLimitedLog(log, Level.WARNING, Duration.ofMinutes(1), now::get);

    @Test
    void logsTheFirstThenOneAnIntervalWithTheCountOfTheOthers() {
        for (int i = 0; i < 1000; i++) {
            limited.log(() -> "refused");
        }
        assertEquals(List.of("WARNING refused"), log.lines);

        now.addAndGet(Duration.ofSeconds(59).toNanos());
        limited.log(() -> "refused");
        assertEquals(1, log.lines.size(), "still within the minute");

        now.addAndGet(Duration.ofSeconds(1).toNanos());
        limited.log(() -> "refused again");
        assertEquals(
                List.of(
                        "WARNING refused",
                        "WARNING refused again (and 1000 more like it since the last such "
                                + "line, not logged: at most one a minute)"),
                log.lines);

        now.addAndGet(Duration.ofMinutes(5).toNanos());
        limited.log(() -> "once more");
        assertEquals("WARNING once more", log.lines.get(2), "nothing left out since the last line");
    }

    @Test
    void aLineLeftOutCostsNoMessage() {
        limited.log(() -> "first");
        limited.log(() -> {
            throw new AssertionError("the message of a line left out was built");
        });
        assertEquals(1, log.lines.size());
    }
}
