package dev.spiffecsi.bench;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

    /**
     * The peak outlives what made it: eight threads, held until the watch has sampled them, then ended; a sample taken
     * after they are gone still leaves their count in the peak.
     */
    @Test
    void theWatchKeepsThePeakOfEverySample() throws Exception {
        ProcSample first = ProcSampler.sample(SELF);
        try (ProcSampler.Watch watch = ProcSampler.watch(SELF, Duration.ofMillis(5))) {
            Thread[] extra = new Thread[8];
            CountDownLatch running = new CountDownLatch(extra.length);
            CountDownLatch release = new CountDownLatch(1);
            for (int i = 0; i < extra.length; i++) {
                extra[i] = Thread.ofPlatform().start(() -> {
                    running.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException ignored) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            ProcSample withThem;
            try {
                assertTrue(running.await(30, TimeUnit.SECONDS), "the extra threads did not start");
                withThem = watch.peak(); // samples now, while all eight are alive
            } finally {
                release.countDown();
            }
            for (Thread thread : extra) {
                thread.join();
            }
            // the JVM's own threads come and go: one fewer than eight more leaves room for one that ended meanwhile
            assertTrue(
                    withThem.threads() >= first.threads() + extra.length - 1,
                    "the extra threads were seen: " + first + " " + withThem);
            awaitFewerThreadsThan(withThem.threads());

            ProcSample after = watch.peak(); // samples now too: without the eight
            assertTrue(watch.failure() == null, () -> "sampling failed: " + watch.failure());
            assertTrue(
                    after.threads() >= withThem.threads(),
                    "the peak lost the extra threads: " + withThem + " " + after);
            assertTrue(after.rssKiB() > 0 && after.openFds() > 0, after::toString);
        }
    }

    /** Waits until this process has fewer threads than {@code threads}, as /proc counts them. */
    private static void awaitFewerThreadsThan(int threads) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ProcSampler.sample(SELF).threads() >= threads) {
            assertTrue(System.nanoTime() - deadline < 0, "the ended threads are still counted after 30 s");
            Thread.onSpinWait();
        }
    }

    @Test
    void aProcessThatIsGoneIsAnError() {
        assertThrows(IOException.class, () -> ProcSampler.sample(Integer.MAX_VALUE + 1L));
    }

    /**
     * The sampler's CPU time is the one the JDK reports for this process, read between two of the JDK's readings,
     * and grows by the work done: the loop spins until the JDK counts 200 ms more CPU, whatever the wall clock says.
     */
    @Test
    void cpuTimeIsTheProcesssOwnAndGrowsWithWork() throws Exception {
        long before = ProcSampler.sample(SELF).cpuMillis();
        long start = jdkCpuMillis();
        long sum = 0;
        while (jdkCpuMillis() < start + 200) {
            sum += Long.numberOfTrailingZeros(sum + System.nanoTime());
        }
        long low = jdkCpuMillis();
        long sampled = ProcSampler.sample(SELF).cpuMillis();
        long high = jdkCpuMillis();
        assertTrue(sum > 0);
        assertTrue(
                low <= sampled && sampled <= high,
                () -> "the JDK says between " + low + " and " + high + " ms, /proc/PID/stat " + sampled);
        assertTrue(sampled - before >= 200, () -> "200 ms of spinning: " + before + " -> " + sampled + " ms");
    }

    private static long jdkCpuMillis() {
        return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toMillis();
    }
}
