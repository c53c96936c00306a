package dev.spiffecsi.backend.fuseproxy.workload;

import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.peer.PeerCredentialsNegotiator;
import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.lang.System.Logger.Level;
import java.util.Optional;

/**
 * Admits a Workload API call only with the security header, and names its caller for the service. The SPIFFE
 * Workload Endpoint standard makes clients send {@code workload.spiffe.io: true} and servers refuse calls without it
 * with INVALID_ARGUMENT, before anything else: a browser or a server-side request forgery cannot set that header, so
 * it cannot make a workload's identity leak through a proxied request.
 */
final class WorkloadApiInterceptor implements ServerInterceptor {

    static final Metadata.Key<String> SECURITY_HEADER =
            Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);
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
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                      ServerCallHandler<Q, A> next) {
        Optional<UnixPeer> peer = PeerCredentialsNegotiator.peerOf(call);
        String method = call.getMethodDescriptor().getBareMethodName();
        if (!"true".equals(headers.get(SECURITY_HEADER))) {
            headerMissing.log(() -> volume + ": refused " + method + " from " + describe(peer)
                    + ": the security header workload.spiffe.io: true is missing");
            return refuse(call, Status.INVALID_ARGUMENT.withDescription("security header missing from request"));
        }
        CallerResolver.Resolution caller = resolver.resolve(peer, PeerCredentialsNegotiator.processOf(call));
        if (caller instanceof CallerResolver.Refused refused) {
            refusedCallers.log(() -> volume + ": refused " + method + " from " + describe(peer) + " ("
                    + refused.status().getCode() + "): " + refused.reason());
            return refuse(call, refused.status());
        }
        Delegation named = ((CallerResolver.Named) caller).delegation();
        return Contexts.interceptCall(Context.current().withValue(CALLER, named), call, headers, next);
    }

    private static String describe(Optional<UnixPeer> peer) {
        return peer.map(UnixPeer::toString).orElse("an unidentified caller");
    }

    private static <Q, A> ServerCall.Listener<Q> refuse(ServerCall<Q, A> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
