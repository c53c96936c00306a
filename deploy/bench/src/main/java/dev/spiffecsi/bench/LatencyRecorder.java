package dev.spiffecsi.bench;

import java.util.Arrays;

/**
 * Every latency of one kind of call, in nanoseconds, kept in full: percentiles are exact (nearest rank on the sorted
 * samples), not estimated. A benchmark run records at most a few hundred thousand calls, a few MiB at worst.
 * Thread-safe.
 */
public final class LatencyRecorder {

    private long[] samples = new long[256];
    private int size;

    public synchronized void record(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("a latency cannot be negative: " + nanos);
        }
        if (size == samples.length) {
            samples = Arrays.copyOf(samples, size * 2);
        }
        samples[size++] = nanos;
    }

    public synchronized int count() {
        return size;
    }

    /** The distribution so far; every field but the count is null when nothing was recorded. */
    public synchronized LatencySummary summary() {
        long[] sorted = Arrays.copyOf(samples, size);
        Arrays.sort(sorted);
        return LatencySummary.of(sorted);
    }

    /**
     * The nearest-rank percentile of ascending {@code sorted} samples: the smallest sample that at least
     * {@code percentile} % of the samples are less than or equal to.
     */
    static long percentile(long[] sorted, double percentile) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        if (!(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + percentile);
        }
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }
}
