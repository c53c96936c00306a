package dev.spiffecsi.backend.fuseproxy.protocol;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

/**
 * The Workload API's security header. The SPIFFE Workload Endpoint standard makes clients send
 * {@code workload.spiffe.io: true} and servers refuse calls without it with INVALID_ARGUMENT, before anything else: a
 * browser or a server-side request forgery cannot set that header, so it cannot make a workload's identity leak
 * through a proxied request. Every Workload API server of this project (the volumes' proxy, the dev agent) checks it
 * here, so that they refuse alike.
 */
public final class WorkloadApiSecurityHeader {

    public static final Metadata.Key<String> KEY =
            Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

    /** Why a call was refused, for the server's log. */
    public static final String MISSING = "the security header workload.spiffe.io: true is missing";

    private WorkloadApiSecurityHeader() {}

    public static boolean isPresent(Metadata headers) {
        return "true".equals(headers.get(KEY));
    }

    /** Closes {@code call} with the standard's INVALID_ARGUMENT; return what this returns from the interceptor. */
    public static <Q, A> ServerCall.Listener<Q> refuseMissing(ServerCall<Q, A> call) {
        return CallRefusal.refuse(
                call, Status.INVALID_ARGUMENT.withDescription("security header missing from request"));
    }
}
