package dev.spiffecsi.bench;

import java.util.Map;

/**
 * One phase of a benchmark run.
 *
 * @param attempted           calls made
 * @param ok                  calls that succeeded (their latencies make up {@code latency})
 * @param errors              failed calls by gRPC status code (or LOCAL_IO when the kubelet-side mkdir failed)
 * @param wallMs              from the first call's start to the last call's end
 * @param throughputPerSecond successful calls per second of wall-clock time; null when nothing ran
 */
public record PhaseResult(
        String name,
        int attempted,
        int ok,
        Map<String, Integer> errors,
        double wallMs,
        Double throughputPerSecond,
        LatencySummary latency) {}
