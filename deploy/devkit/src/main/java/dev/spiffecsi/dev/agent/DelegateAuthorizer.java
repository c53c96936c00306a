package dev.spiffecsi.dev.agent;

import dev.spiffecsi.backend.fuseproxy.peer.PeerCredentialsNegotiator;
import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import dev.spiffecsi.backend.fuseproxy.protocol.CallRefusal;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.spiffe.spiffeid.SpiffeId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits a call on the admin socket only from an authorized delegate, as SPIRE does: the caller is attested as a
 * Workload API caller would be (its peer credentials matched against the registration entries) and must get one
 * of the authorized SPIFFE IDs, because a delegate can obtain, and so impersonate, any workload's identity.
 *
 * <p>No security header is required: that is a rule of the Workload API, not of the admin API. Unlike SPIRE, the
 * check is not repeated before each streamed update, since the registrations cannot change while the agent runs.
 */
final class DelegateAuthorizer implements ServerInterceptor {

    static final Context.Key<UnixPeer> DELEGATE = Context.key("dev.spiffecsi.dev.agent.delegate");

    private static final Logger LOG = LoggerFactory.getLogger(DelegateAuthorizer.class);

    private final Registrations registrations;
    private final Set<SpiffeId> authorized;

    DelegateAuthorizer(Registrations registrations, List<SpiffeId> authorized) {
        this.registrations = registrations;
        this.authorized = Set.copyOf(authorized);
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        Optional<UnixPeer> peer = PeerCredentialsNegotiator.peerOf(call);
        String method = call.getMethodDescriptor().getBareMethodName();
        if (peer.isEmpty()) {
            LOG.warn("refused {} on the admin socket: the connection carries no peer credentials", method);
            return CallRefusal.refuse(call, Status.INTERNAL.withDescription("workload attestation failed"));
        }
        UnixPeer caller = peer.get();
        SpiffeId identity = registrations.identify(caller).spiffeId();
        if (!authorized.contains(identity)) {
            LOG.warn(
                    "refused {} on the admin socket from {}: its identity {} is not an authorized delegate {}",
                    method,
                    caller,
                    identity,
                    authorized);
            return CallRefusal.refuse(
                    call,
                    Status.PERMISSION_DENIED.withDescription(
                            "caller not configured as an authorized delegate: it is attested as " + identity));
        }
        return Contexts.interceptCall(Context.current().withValue(DELEGATE, caller), call, headers, next);
    }
}
