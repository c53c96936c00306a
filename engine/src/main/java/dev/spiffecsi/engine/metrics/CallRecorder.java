package dev.spiffecsi.engine.metrics;

/**
 * Where each answered CSI call is counted. Without a metrics endpoint it is {@link #NONE}, and no metrics library
 * is loaded at all (Prometheus' client is ~60 classes a driver would carry for nothing).
 */
public interface CallRecorder {

    CallRecorder NONE = (method, code, nanos) -> {};

    /** Records one answered call: its method, its gRPC status code and how long it took. */
    void recordCall(String method, String code, long nanos);
}
