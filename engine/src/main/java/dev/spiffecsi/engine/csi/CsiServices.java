package dev.spiffecsi.engine.csi;

import dev.spiffecsi.engine.volume.VolumeEngine;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import java.util.List;

/** The CSI Identity and Node services over an engine, with the per-RPC log line. */
public final class CsiServices {

    private CsiServices() {
    }

    public static List<ServerServiceDefinition> create(String pluginName, String version, String nodeId,
                                                       VolumeEngine engine) {
        RpcLogInterceptor log = new RpcLogInterceptor();
        return List.of(
                ServerInterceptors.intercept(new IdentityService(pluginName, version, engine), log),
                ServerInterceptors.intercept(new NodeService(engine, nodeId), log));
    }
}
