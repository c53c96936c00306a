package dev.spiffecsi.dev.agent;

import dev.spiffecsi.backend.fuseproxy.peer.PeerCredentialsNegotiator;
import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import dev.spiffecsi.backend.fuseproxy.protocol.CallRefusal;
import dev.spiffecsi.backend.fuseproxy.protocol.WorkloadApiSecurityHeader;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits a Workload API call only with the security header ({@link WorkloadApiSecurityHeader}, refused as the
 * fuse-proxy volumes refuse it) and a caller the kernel named, and hands the caller to the service.
 */
final class WorkloadCallerInterceptor implements ServerInterceptor {

    static final Context.Key<UnixPeer> CALLER = Context.key("dev.spiffecsi.dev.agent.caller");

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadCallerInterceptor.class);

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        Optional<UnixPeer> caller = PeerCredentialsNegotiator.peerOf(call);
        String method = call.getMethodDescriptor().getBareMethodName();
        if (!WorkloadApiSecurityHeader.isPresent(headers)) {
            LOG.warn("refused {} from {}: {}", method, UnixPeer.describe(caller), WorkloadApiSecurityHeader.MISSING);
            return WorkloadApiSecurityHeader.refuseMissing(call);
        }
        if (caller.isEmpty()) {
            LOG.warn("refused {}: the connection carries no peer credentials", method);
            return CallRefusal.refuse(
                    call, Status.UNAUTHENTICATED.withDescription("the agent cannot tell who is calling"));
        }
        return Contexts.interceptCall(Context.current().withValue(CALLER, caller.get()), call, headers, next);
    }
}
