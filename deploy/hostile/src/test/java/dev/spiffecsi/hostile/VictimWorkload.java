package dev.spiffecsi.hostile;

import io.grpc.ClientCall;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.spiffe.workloadapi.grpc.Workload.X509SVIDResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Another pod's workload on another volume, fetching its X.509-SVID again and again while a neighbour abuses its
 * own volume: every call is timed from the stream's start to the first SVID, on a connection kept open, and on a
 * fresh connection every {@value #FRESH_CONNECTION_EVERY}th call (a restarting workload connects anew). The figures
 * are kept per phase of the abuse.
 */
final class VictimWorkload implements AutoCloseable {

    static final Duration CALL_DEADLINE = Duration.ofSeconds(5);
    private static final int FRESH_CONNECTION_EVERY = 5;
    private static final Duration PAUSE = Duration.ofMillis(20);

    /** One phase's figures. */
    record Latency(
            String phase, int calls, int failures, String firstFailure, double p50Ms, double p99Ms, double maxMs) {
        String summary() {
            return String.format(
                    Locale.ROOT,
                    "%d calls, %d failed, p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                    calls,
                    failures,
                    p50Ms,
                    p99Ms,
                    maxMs);
        }
    }

    private final Path socket;
    private final EventLoopGroup eventLoops;
    private final Thread thread;
    private volatile boolean running = true;
    private final List<Double> latencies = new ArrayList<>();
    private int failures;
    private String firstFailure;
    private String phase = "idle";

    VictimWorkload(Path socket, EventLoopGroup eventLoops) {
        this.socket = socket;
        this.eventLoops = eventLoops;
        this.thread = Thread.ofPlatform().daemon().name("hostile-victim").start(this::loop);
    }

    private void loop() {
        WorkloadApiChannel kept = new WorkloadApiChannel(socket, eventLoops);
        try {
            for (long call = 0; running; call++) {
                boolean fresh = call % FRESH_CONNECTION_EVERY == 0;
                WorkloadApiChannel channel = fresh ? new WorkloadApiChannel(socket, eventLoops) : kept;
                try {
                    fetchOnce(channel);
                } finally {
                    if (fresh) {
                        channel.close();
                    }
                }
                Thread.sleep(PAUSE.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                kept.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void fetchOnce(WorkloadApiChannel channel) throws InterruptedException {
        CompletableFuture<X509SVIDResponse> first = new CompletableFuture<>();
        long start = System.nanoTime();
        ClientCall<?, ?> call = channel.fetchX509Svid(first, CALL_DEADLINE);
        String failure = null;
        try {
            X509SVIDResponse response = first.get(CALL_DEADLINE.toMillis() + 1000, TimeUnit.MILLISECONDS);
            if (response.getSvidsCount() == 0) {
                failure = "an answer without SVIDs";
            }
        } catch (ExecutionException e) {
            failure = e.getCause().toString();
        } catch (TimeoutException e) {
            failure = "no SVID within " + CALL_DEADLINE;
        } finally {
            call.cancel("the victim has its SVID", null);
        }
        double millis = (System.nanoTime() - start) / 1e6;
        synchronized (this) {
            latencies.add(millis);
            if (failure != null) {
                failures++;
                if (firstFailure == null) {
                    firstFailure = failure;
                }
            }
        }
    }

    /** Ends the current phase, returning its figures, and starts {@code next}. */
    synchronized Latency phase(String next) {
        double[] sorted =
                latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Latency latency = new Latency(
                phase,
                sorted.length,
                failures,
                firstFailure,
                percentile(sorted, 50),
                percentile(sorted, 99),
                sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
        latencies.clear();
        failures = 0;
        firstFailure = null;
        phase = next;
        return latency;
    }

    private static double percentile(double[] sorted, int percent) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
    }

    /** Waits until at least {@code calls} calls of the current phase are done, at most {@code patience}. */
    void awaitCalls(int calls, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (this) {
                if (latencies.size() >= calls) {
                    return;
                }
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(Duration.ofSeconds(10));
    }
}
