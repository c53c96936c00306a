package dev.spiffecsi.backend.fuseproxy.workload;

import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.peer.PeerCredentialsNegotiator;
import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import dev.spiffecsi.backend.fuseproxy.protocol.CallRefusal;
import dev.spiffecsi.backend.fuseproxy.protocol.WorkloadApiSecurityHeader;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.lang.System.Logger.Level;
import java.util.Optional;

/**
 * Admits a Workload API call only with the security header ({@link WorkloadApiSecurityHeader}, checked before
 * anything else), and names its caller for the service.
 */
final class WorkloadApiInterceptor implements ServerInterceptor {

    static final Context.Key<Delegation> CALLER = Context.key("dev.spiffecsi.fuse-proxy.caller");

    private final CallerResolver resolver;
    private final VolumeLabel volume;
    /**
     * A pod can repeat a refused call in a loop: one line a minute per volume and reason (the header missing, the
     * caller refused), with the count of the others.
     */
    private final RateLimitedLog headerMissing;

    private final RateLimitedLog refusedCallers;

    WorkloadApiInterceptor(CallerResolver resolver, VolumeLabel volume, System.Logger log) {
        this.resolver = resolver;
        this.volume = volume;
        this.headerMissing = new RateLimitedLog(log, Level.WARNING);
        this.refusedCallers = new RateLimitedLog(log, Level.WARNING);
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        Optional<UnixPeer> peer = PeerCredentialsNegotiator.peerOf(call);
        String method = call.getMethodDescriptor().getBareMethodName();
        if (!WorkloadApiSecurityHeader.isPresent(headers)) {
            headerMissing.log(() -> volume + ": refused " + method + " from " + UnixPeer.describe(peer) + ": "
                    + WorkloadApiSecurityHeader.MISSING);
            return WorkloadApiSecurityHeader.refuseMissing(call);
        }
        CallerResolver.Resolution caller = resolver.resolve(peer, PeerCredentialsNegotiator.processOf(call));
        if (caller instanceof CallerResolver.Refused refused) {
            refusedCallers.log(() -> volume + ": refused " + method + " from " + UnixPeer.describe(peer) + " ("
                    + refused.status().getCode() + "): " + refused.reason());
            return CallRefusal.refuse(call, refused.status());
        }
        Delegation named = ((CallerResolver.Named) caller).delegation();
        return Contexts.interceptCall(Context.current().withValue(CALLER, named), call, headers, next);
    }
}
