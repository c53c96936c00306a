package dev.spiffecsi.engine.csi;

import com.google.protobuf.BoolValue;
import dev.spiffecsi.engine.csi.proto.GetPluginCapabilitiesRequest;
import dev.spiffecsi.engine.csi.proto.GetPluginCapabilitiesResponse;
import dev.spiffecsi.engine.csi.proto.GetPluginInfoRequest;
import dev.spiffecsi.engine.csi.proto.GetPluginInfoResponse;
import dev.spiffecsi.engine.csi.proto.IdentityGrpc;
import dev.spiffecsi.engine.csi.proto.ProbeRequest;
import dev.spiffecsi.engine.csi.proto.ProbeResponse;
import dev.spiffecsi.engine.volume.VolumeEngine;
import dev.spiffecsi.spi.Health;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** CSI Identity: who we are, and whether the selected backend can serve (Probe). */
final class IdentityService extends IdentityGrpc.IdentityImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(IdentityService.class);

    private final String pluginName;
    private final String version;
    private final VolumeEngine engine;
    private volatile Boolean lastReady;

    IdentityService(String pluginName, String version, VolumeEngine engine) {
        this.pluginName = pluginName;
        this.version = version;
        this.engine = engine;
    }

    @Override
    public void getPluginInfo(GetPluginInfoRequest request, StreamObserver<GetPluginInfoResponse> response) {
        response.onNext(GetPluginInfoResponse.newBuilder()
                .setName(pluginName)
                .setVendorVersion(version)
                .build());
        response.onCompleted();
    }

    @Override
    public void getPluginCapabilities(
            GetPluginCapabilitiesRequest request, StreamObserver<GetPluginCapabilitiesResponse> response) {
        // Only the Node service is implemented; no controller, no topology.
        response.onNext(GetPluginCapabilitiesResponse.getDefaultInstance());
        response.onCompleted();
    }

    @Override
    public void probe(ProbeRequest request, StreamObserver<ProbeResponse> response) {
        Health health = engine.health();
        if (!Boolean.valueOf(health.ready()).equals(lastReady)) {
            // log transitions only: the livenessprobe sidecar calls Probe every few seconds
            if (health.ready()) {
                LOG.info("backend ready: {}", health.message());
            } else {
                LOG.warn("backend not ready: {}", health.message());
            }
            lastReady = health.ready();
        }
        response.onNext(ProbeResponse.newBuilder()
                .setReady(BoolValue.of(health.ready()))
                .build());
        response.onCompleted();
    }
}
