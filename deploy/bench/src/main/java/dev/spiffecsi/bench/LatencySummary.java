package dev.spiffecsi.bench;

/**
 * The distribution of one kind of call's latency, in milliseconds. Percentiles are nearest-rank over every sample.
 * All but {@code count} are null when there are no samples.
 */
public record LatencySummary(
        int count, Double minMs, Double meanMs, Double p50Ms, Double p90Ms, Double p99Ms, Double maxMs) {

    private static final double NANOS_PER_MS = 1_000_000.0;

    /** The summary of ascending {@code sorted} samples in nanoseconds. */
    static LatencySummary of(long[] sorted) {
        if (sorted.length == 0) {
            return new LatencySummary(0, null, null, null, null, null, null);
        }
        double sum = 0;
        for (long sample : sorted) {
            sum += sample;
        }
        return new LatencySummary(
                sorted.length,
                ms(sorted[0]),
                sum / sorted.length / NANOS_PER_MS,
                ms(LatencyRecorder.percentile(sorted, 50)),
                ms(LatencyRecorder.percentile(sorted, 90)),
                ms(LatencyRecorder.percentile(sorted, 99)),
                ms(sorted[sorted.length - 1]));
    }

    private static double ms(long nanos) {
        return nanos / NANOS_PER_MS;
    }
}
