package dev.spiffecsi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LatencyRecorderTest {

    @Test
    void percentilesAreExactNearestRanksWhateverTheRecordingOrder() {
        List<Long> samples = new ArrayList<>();
        for (long ms = 1; ms <= 200; ms++) {
            samples.add(ms * 1_000_000);
        }
        Collections.shuffle(samples, new java.util.Random(42));
        LatencyRecorder recorder = new LatencyRecorder();
        samples.forEach(recorder::record);

        LatencySummary summary = recorder.summary();
        assertEquals(200, summary.count());
        assertEquals(1.0, summary.minMs());
        assertEquals(100.5, summary.meanMs(), 1e-9);
        assertEquals(100.0, summary.p50Ms());
        assertEquals(180.0, summary.p90Ms());
        assertEquals(198.0, summary.p99Ms());
        assertEquals(200.0, summary.maxMs());
    }

    @Test
    void oneSampleIsEveryPercentile() {
        LatencyRecorder recorder = new LatencyRecorder();
        recorder.record(1_500_000);
        LatencySummary summary = recorder.summary();
        assertEquals(1.5, summary.p50Ms());
        assertEquals(1.5, summary.p99Ms());
        assertEquals(1.5, summary.maxMs());
    }

    @Test
    void nothingRecordedHasNoPercentiles() {
        LatencySummary summary = new LatencyRecorder().summary();
        assertEquals(0, summary.count());
        assertNull(summary.p50Ms());
        assertNull(summary.maxMs());
    }

    @Test
    void nearestRankOfSmallSets() {
        long[] sorted = {10, 20, 30, 40};
        assertEquals(20, LatencyRecorder.percentile(sorted, 50));
        assertEquals(40, LatencyRecorder.percentile(sorted, 90));
        assertEquals(10, LatencyRecorder.percentile(sorted, 1));
        assertThrows(IllegalArgumentException.class, () -> LatencyRecorder.percentile(sorted, 0));
        assertThrows(IllegalArgumentException.class, () -> new LatencyRecorder().record(-1));
    }

    @Test
    void concurrentRecordingLosesNothing() throws Exception {
        LatencyRecorder recorder = new LatencyRecorder();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            writers.add(threads.submit(() -> {
                for (int i = 0; i < 10_000; i++) {
                    recorder.record(i);
                }
            }));
        }
        threads.shutdown();
        for (Future<?> writer : writers) {
            writer.get(30, TimeUnit.SECONDS); // a writer's exception fails the test here
        }
        assertEquals(40_000, recorder.count());
    }
}
