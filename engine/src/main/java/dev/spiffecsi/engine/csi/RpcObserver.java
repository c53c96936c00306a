package dev.spiffecsi.engine.csi;

import dev.spiffecsi.engine.csi.proto.NodeGetVolumeStatsRequest;
import dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeRequest;
import dev.spiffecsi.engine.metrics.CallRecorder;
import dev.spiffecsi.spi.LogSafe;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Observes every RPC: one log line (method, volume_id, target path, gRPC code, duration) and the call metrics.
 * Successful Probe, capability and info calls, which the kubelet and the livenessprobe sidecar make constantly,
 * are logged at debug.
 */
final class RpcObserver implements ServerInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger("dev.spiffecsi.rpc");

    private final CallRecorder metrics;

    RpcObserver(CallRecorder metrics) {
        this.metrics = metrics;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        long start = System.nanoTime();
        String method = call.getMethodDescriptor().getBareMethodName();
        Object[] request = new Object[1];
        ServerCall<Q, A> logging = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                long nanos = System.nanoTime() - start;
                metrics.recordCall(method, status.getCode().name(), nanos);
                log(method, request[0], status, nanos);
                super.close(status, trailers);
            }
        };
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(logging, headers)) {
            @Override
            public void onMessage(Q message) {
                request[0] = message;
                super.onMessage(message);
            }
        };
    }

    private static void log(String method, Object request, Status status, long nanos) {
        String volumeId = "";
        String path = "";
        switch (request) {
            case NodePublishVolumeRequest publish -> {
                volumeId = publish.getVolumeId();
                path = publish.getTargetPath();
            }
            case NodeUnpublishVolumeRequest unpublish -> {
                volumeId = unpublish.getVolumeId();
                path = unpublish.getTargetPath();
            }
            case NodeGetVolumeStatsRequest stats -> {
                volumeId = stats.getVolumeId();
                path = stats.getVolumePath();
            }
            case null, default -> {
                // Identity calls, capabilities, node info: no volume
            }
        }
        boolean routine = volumeId.isEmpty() && status.isOk();
        if (routine && !LOG.isDebugEnabled()) {
            return;
        }
        String line = "rpc method={} volume_id={} target_path={} code={} duration={}";
        // the id and the path are the caller's: a hostile one is quoted and escaped, an ordinary one shown as it is
        Object[] args = {
            method, LogSafe.token(volumeId, 1024), LogSafe.token(path, 4096), status.getCode(), milliseconds(nanos)
        };
        if (routine) {
            LOG.debug(line, args);
        } else {
            LOG.info(line, args);
        }
    }

    /** {@code 0.751ms}: three decimals, without String.format, which costs more than the rest of the line. */
    static String milliseconds(long nanos) {
        long micros = Math.max(0, nanos) / 1_000;
        long fraction = micros % 1_000;
        return (micros / 1_000) + "." + (fraction < 10 ? "00" : fraction < 100 ? "0" : "") + fraction + "ms";
    }
}
