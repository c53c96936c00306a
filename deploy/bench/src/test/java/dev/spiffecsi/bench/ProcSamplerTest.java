package dev.spiffecsi.bench;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The /proc sampler on this test's own process. */
class ProcSamplerTest {

    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void samplesThisProcess() throws IOException {
        ProcSample sample = ProcSampler.sample(SELF);
        assertTrue(sample.rssKiB() > 1024, "a JVM holds more than 1 MiB: " + sample);
        assertTrue(sample.hwmKiB() >= sample.rssKiB(), "the high-water mark is never below the RSS: " + sample);
        assertTrue(sample.threads() >= 2, "a JVM has several threads: " + sample);
        assertTrue(sample.openFds() >= 3, "at least standard input, output and error: " + sample);
    }

    @Test
    void theWatchKeepsThePeakOfEverySample() throws Exception {
        ProcSample first = ProcSampler.sample(SELF);
        ProcSample peak;
        try (ProcSampler.Watch watch = ProcSampler.watch(SELF, Duration.ofMillis(5))) {
            Thread[] extra = new Thread[8];
            Object gate = new Object();
            for (int i = 0; i < extra.length; i++) {
                extra[i] = Thread.ofPlatform().start(() -> {
                    synchronized (gate) {
                        try {
                            gate.wait(200);
                        } catch (InterruptedException ignored) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
            }
            Thread.sleep(50);
            peak = watch.peak();
            for (Thread thread : extra) {
                thread.join();
            }
            assertTrue(watch.failure() == null, () -> "sampling failed: " + watch.failure());
        }
        assertTrue(peak.threads() >= first.threads() + 8 - 1, "the extra threads were seen: " + first + " " + peak);
        assertTrue(peak.rssKiB() > 0 && peak.openFds() > 0, peak::toString);
    }

    @Test
    void aProcessThatIsGoneIsAnError() {
        assertThrows(IOException.class, () -> ProcSampler.sample(Integer.MAX_VALUE + 1L));
    }

    @Test
    void cpuTimeIsTheProcesssOwnAndGrowsWithWork() throws Exception {
        long pid = ProcessHandle.current().pid();
        long before = ProcSampler.sample(pid).cpuMillis();
        long spin = System.nanoTime() + 300_000_000L;
        long sum = 0;
        while (System.nanoTime() < spin) {
            sum += Long.numberOfTrailingZeros(sum + System.nanoTime());
        }
        long after = ProcSampler.sample(pid).cpuMillis();
        assertTrue(sum > 0);
        assertTrue(after - before >= 200, () -> "300 ms of spinning: " + before + " -> " + after + " ms");
        long total = ProcessHandle.current().info().totalCpuDuration().orElseThrow().toMillis();
        assertTrue(Math.abs(total - after) <= 100, () -> "the JDK says " + total + " ms, /proc/PID/stat " + after);
    }
}
