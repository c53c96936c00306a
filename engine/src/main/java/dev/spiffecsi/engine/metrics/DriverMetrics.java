package dev.spiffecsi.engine.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * The driver's Prometheus metrics: CSI calls by method and gRPC code, their latency, how many volumes are
 * published, and whether the backend is ready. Each driver has its own registry (tests run several drivers).
 */
public final class DriverMetrics implements CallRecorder {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter calls;
    private final Histogram latency;

    public DriverMetrics(IntSupplier publishedVolumes, BooleanSupplier backendReady) {
        calls = Counter.builder()
                .name("spiffe_csi_rpc_requests_total")
                .help("CSI calls answered, by method and gRPC status code")
                .labelNames("method", "code")
                .register(registry);
        latency = Histogram.builder()
                .name("spiffe_csi_rpc_duration_seconds")
                .help("CSI call latency, by method")
                .unit(Unit.SECONDS)
                .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25, 1, 5)
                .labelNames("method")
                .register(registry);
        GaugeWithCallback.builder()
                .name("spiffe_csi_published_volumes")
                .help("Volumes currently published by this driver")
                .callback(callback -> callback.call(publishedVolumes.getAsInt()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("spiffe_csi_backend_ready")
                .help("1 when the selected backend can serve publishes (what Probe reports)")
                .callback(callback -> callback.call(backendReady.getAsBoolean() ? 1 : 0))
                .register(registry);
    }

    @Override
    public void recordCall(String method, String code, long nanos) {
        calls.labelValues(method, code).inc();
        latency.labelValues(method).observe(nanos / 1e9);
    }

    public PrometheusRegistry registry() {
        return registry;
    }
}
