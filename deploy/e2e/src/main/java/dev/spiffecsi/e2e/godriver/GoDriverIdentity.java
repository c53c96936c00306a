package dev.spiffecsi.e2e.godriver;

import dev.spiffecsi.engine.csi.proto.GetPluginCapabilitiesRequest;
import dev.spiffecsi.engine.csi.proto.GetPluginCapabilitiesResponse;
import dev.spiffecsi.engine.csi.proto.GetPluginInfoRequest;
import dev.spiffecsi.engine.csi.proto.GetPluginInfoResponse;
import dev.spiffecsi.engine.csi.proto.IdentityGrpc;
import dev.spiffecsi.engine.csi.proto.ProbeRequest;
import dev.spiffecsi.engine.csi.proto.ProbeResponse;
import io.grpc.stub.StreamObserver;

/** The Go driver's Identity service: its name, no plugin capability (Node only), Probe always ready. */
final class GoDriverIdentity extends IdentityGrpc.IdentityImplBase {

    private final String pluginName;

    GoDriverIdentity(String pluginName) {
        this.pluginName = pluginName;
    }

    @Override
    public void getPluginInfo(GetPluginInfoRequest request, StreamObserver<GetPluginInfoResponse> response) {
        response.onNext(GetPluginInfoResponse.newBuilder()
                .setName(pluginName)
                .setVendorVersion("v0.2.12-stand-in")
                .build());
        response.onCompleted();
    }

    @Override
    public void getPluginCapabilities(
            GetPluginCapabilitiesRequest request, StreamObserver<GetPluginCapabilitiesResponse> response) {
        response.onNext(GetPluginCapabilitiesResponse.getDefaultInstance());
        response.onCompleted();
    }

    @Override
    public void probe(ProbeRequest request, StreamObserver<ProbeResponse> response) {
        response.onNext(ProbeResponse.getDefaultInstance());
        response.onCompleted();
    }
}
