package dev.spiffecsi.backend.fuseproxy.protocol;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

/** How a server interceptor of the Workload API or the Delegated Identity API refuses a call. */
public final class CallRefusal {

    private CallRefusal() {}

    /**
     * Closes {@code call} with {@code status} before it reaches the service; the listener returned, which the
     * interceptor returns in turn, ignores whatever the client still sends on the call.
     */
    public static <Q, A> ServerCall.Listener<Q> refuse(ServerCall<Q, A> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
