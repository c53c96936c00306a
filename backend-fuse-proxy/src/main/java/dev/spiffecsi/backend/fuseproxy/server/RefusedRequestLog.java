package dev.spiffecsi.backend.fuseproxy.server;

import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import dev.spiffecsi.backend.fuseproxy.workload.RateLimitedLog;
import dev.spiffecsi.spi.LogSafe;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import java.lang.System.Logger.Level;

/**
 * Logs, at most once a minute per volume, the calls gRPC itself ends with RESOURCE_EXHAUSTED because their request
 * was larger than limits.max-request-size, in place of gRPC's own line for each (see {@link GrpcLogFloods}).
 */
final class RefusedRequestLog extends ServerStreamTracer.Factory {

    private final VolumeLabel volume;
    private final int maxRequestBytes;
    private final RateLimitedLog refusals;

    RefusedRequestLog(VolumeLabel volume, int maxRequestBytes, System.Logger log) {
        GrpcLogFloods.install();
        this.volume = volume;
        this.maxRequestBytes = maxRequestBytes;
        this.refusals = new RateLimitedLog(log, Level.WARNING);
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        return new ServerStreamTracer() {
            @Override
            public void streamClosed(Status status) {
                if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED
                        && status.getDescription() != null
                        && status.getDescription().startsWith("gRPC message exceeds maximum size")) {
                    refusals.log(() -> volume + ": ended a call to " + LogSafe.value(fullMethodName)
                            + " with RESOURCE_EXHAUSTED: its request is larger than " + maxRequestBytes
                            + " bytes, the most limits.max-request-size admits");
                }
            }
        };
    }
}
