package dev.spiffecsi.dev.agent;

import dev.spiffecsi.backend.fuseproxy.peer.PeerCredentialsNegotiator;
import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
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
 * Admits a Workload API call only with the security header and a known caller, and hands the caller to the
 * service. The SPIFFE Workload Endpoint specification makes clients send {@code workload.spiffe.io: true} and
 * servers refuse calls without it with INVALID_ARGUMENT: a browser or a server-side request forgery cannot set
 * that header, so they cannot make a workload's identity leak through a proxied request.
 */
final class WorkloadApiInterceptor implements ServerInterceptor {

    static final Metadata.Key<String> SECURITY_HEADER =
            Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<UnixPeer> CALLER = Context.key("dev.spiffecsi.dev.agent.caller");

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadApiInterceptor.class);

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                      ServerCallHandler<Q, A> next) {
        Optional<UnixPeer> caller = PeerCredentialsNegotiator.peerOf(call);
        String method = call.getMethodDescriptor().getBareMethodName();
        if (!"true".equals(headers.get(SECURITY_HEADER))) {
            LOG.warn("refused {} from {}: the security header workload.spiffe.io: true is missing", method,
                    caller.map(UnixPeer::toString).orElse("an unidentified caller"));
            return refuse(call, Status.INVALID_ARGUMENT.withDescription("security header missing from request"));
        }
        if (caller.isEmpty()) {
            LOG.warn("refused {}: the connection carries no peer credentials", method);
            return refuse(call, Status.UNAUTHENTICATED.withDescription("the agent cannot tell who is calling"));
        }
        return Contexts.interceptCall(Context.current().withValue(CALLER, caller.get()), call, headers, next);
    }

    private static <Q, A> ServerCall.Listener<Q> refuse(ServerCall<Q, A> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
