package dev.spiffecsi.engine.csi;

import dev.spiffecsi.engine.metrics.CallRecorder;
import dev.spiffecsi.engine.volume.VolumeEngine;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import java.util.List;

/** The CSI Identity and Node services over an engine, with the per-RPC log line and metrics. */
public final class CsiServices {

    private CsiServices() {}

    public static List<ServerServiceDefinition> create(
            String pluginName, String version, String nodeId, VolumeEngine engine, CallRecorder metrics) {
        RpcObserver observer = new RpcObserver(metrics);
        return List.of(
                ServerInterceptors.intercept(new IdentityService(pluginName, version, engine), observer),
                ServerInterceptors.intercept(new NodeService(engine, nodeId), observer));
    }
}
