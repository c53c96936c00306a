package dev.spiffecsi.backend.fuseproxy.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spiffecsi.spi.contract.RecordingLogger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A caller that keeps getting refused writes one log line per interval, not one per call. */
class CallerRefusalLogTest {

    @Test
    void theFirstIsLoggedThenOnePerIntervalCountingWhatWasLeftOut() {
        RecordingLogger logger = new RecordingLogger();
        AtomicLong now = new AtomicLong(1_000);
        RateLimitedLog log = new RateLimitedLog(logger, Level.WARNING, RateLimitedLog.INTERVAL, now::get);

        for (int i = 0; i < 10_000; i++) {
            int n = i;
            log.log(() -> "refused " + n);
        }
        now.addAndGet(RateLimitedLog.INTERVAL.toNanos() - 1);
        log.log(() -> "refused late");
        assertEquals(List.of(new RecordingLogger.Entry(Level.WARNING, "refused 0")), logger.entries());

        now.addAndGet(1);
        log.log(() -> "refused again");
        now.addAndGet(RateLimitedLog.INTERVAL.toNanos());
        log.log(() -> "refused once more");

        assertEquals(3, logger.entries().size());
        assertEquals("refused 0", logger.entries().get(0).message());
        assertEquals(
                true,
                logger.entries().get(1).message().startsWith("refused again (and 10000 more like it"),
                logger.entries().get(1).message());
        assertEquals("refused once more", logger.entries().get(2).message());
    }
}
