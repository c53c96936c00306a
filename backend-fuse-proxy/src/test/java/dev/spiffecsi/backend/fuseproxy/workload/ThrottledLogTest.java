package dev.spiffecsi.backend.fuseproxy.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spiffecsi.spi.contract.RecordingLogger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A pod that keeps getting refused writes one log line per interval, not one per call. */
class ThrottledLogTest {

    @Test
    void theFirstIsLoggedThenOnePerIntervalCountingWhatWasLeftOut() {
        RecordingLogger logger = new RecordingLogger();
        AtomicLong now = new AtomicLong(1_000);
        ThrottledLog log = new ThrottledLog(logger, now::get);

        for (int i = 0; i < 10_000; i++) {
            int n = i;
            log.log(Level.WARNING, () -> "refused " + n);
        }
        now.addAndGet(ThrottledLog.INTERVAL.toNanos() - 1);
        log.log(Level.WARNING, () -> "refused late");
        assertEquals(List.of(new RecordingLogger.Entry(Level.WARNING, "refused 0")), logger.entries());

        now.addAndGet(1);
        log.log(Level.WARNING, () -> "refused again");
        now.addAndGet(ThrottledLog.INTERVAL.toNanos());
        log.log(Level.WARNING, () -> "refused once more");

        assertEquals(List.of(new RecordingLogger.Entry(Level.WARNING, "refused 0"),
                new RecordingLogger.Entry(Level.WARNING, "refused again (10000 more like it in the last 1 min not "
                        + "logged)"),
                new RecordingLogger.Entry(Level.WARNING, "refused once more")), logger.entries());
    }
}
