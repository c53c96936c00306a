package dev.spiffecsi.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The calls of one phase (publish, republish or unpublish): the latency of each successful call, the failures by
 * gRPC status code, and the phase's wall-clock time. Thread-safe.
 */
final class PhaseRecorder {

    private final String name;
    private final LatencyRecorder latencies = new LatencyRecorder();
    private final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
    private final AtomicInteger attempted = new AtomicInteger();
    private final AtomicLong startNanos = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong endNanos = new AtomicLong(Long.MIN_VALUE);

    PhaseRecorder(String name) {
        this.name = name;
    }

    /** Widens the phase's wall-clock window to include [{@code start}, {@code end}] (System.nanoTime). */
    void window(long start, long end) {
        startNanos.accumulateAndGet(start, Math::min);
        endNanos.accumulateAndGet(end, Math::max);
    }

    void succeeded(long nanos) {
        attempted.incrementAndGet();
        latencies.record(nanos);
    }

    void failed(String code) {
        attempted.incrementAndGet();
        errors.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
    }

    PhaseResult result() {
        Map<String, Integer> byCode = new TreeMap<>();
        errors.forEach((code, count) -> byCode.put(code, count.get()));
        LatencySummary summary = latencies.summary();
        long wall = endNanos.get() - startNanos.get();
        double wallMs = wall > 0 ? wall / 1_000_000.0 : 0;
        Double throughput = wall > 0 ? summary.count() / (wall / 1e9) : null;
        return new PhaseResult(name, attempted.get(), summary.count(), byCode, wallMs, throughput, summary);
    }
}
