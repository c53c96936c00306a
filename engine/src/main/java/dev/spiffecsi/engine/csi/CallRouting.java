package dev.spiffecsi.engine.csi;

import dev.spiffecsi.engine.csi.proto.IdentityGrpc;
import dev.spiffecsi.engine.csi.proto.NodeGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Which pool runs a call. Volume calls (publish, unpublish, stats, and whatever a future Node method may add) may
 * block for seconds; the calls that touch no volume (the Identity service, NodeGetCapabilities, NodeGetInfo) must
 * never queue behind them: the livenessprobe sidecar's Probe has a deadline (3 s by default), and a Probe that
 * misses it during a publish storm gets the driver restarted in the middle of the storm.
 */
final class CallRouting implements ServerCallExecutorSupplier {

    private static final String IDENTITY_METHODS = IdentityGrpc.SERVICE_NAME + "/";
    private static final Set<String> NODE_CONTROL_METHODS = Set.of(
            NodeGrpc.getNodeGetCapabilitiesMethod().getFullMethodName(),
            NodeGrpc.getNodeGetInfoMethod().getFullMethodName());

    private final Executor volumeCalls;
    private final Executor controlCalls;

    CallRouting(Executor volumeCalls, Executor controlCalls) {
        this.volumeCalls = volumeCalls;
        this.controlCalls = controlCalls;
    }

    @Override
    public <Q, A> Executor getExecutor(ServerCall<Q, A> call, Metadata headers) {
        return isControl(call.getMethodDescriptor().getFullMethodName()) ? controlCalls : volumeCalls;
    }

    static boolean isControl(String fullMethodName) {
        return fullMethodName.startsWith(IDENTITY_METHODS) || NODE_CONTROL_METHODS.contains(fullMethodName);
    }
}
