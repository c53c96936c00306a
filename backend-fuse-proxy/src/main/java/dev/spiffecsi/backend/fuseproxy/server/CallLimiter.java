package dev.spiffecsi.backend.fuseproxy.server;

import dev.spiffecsi.backend.fuseproxy.peer.PeerCredentialsNegotiator;
import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import dev.spiffecsi.backend.fuseproxy.workload.RateLimitedLog;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Admits a call to a volume's Workload API while the volume and the node are under their limits of calls in
 * progress; any other call ends at once with RESOURCE_EXHAUSTED, before the security header is looked at or the
 * agent asked. A streaming call counts until it ends, however long it lasts; every call its pod makes beyond its
 * share is refused, whatever the other pods do, until the node's limit is reached.
 */
final class CallLimiter implements ServerInterceptor {

    private final VolumeLabel volume;
    private final Budget own;
    private final Budget node;
    private final RateLimitedLog refusals;

    CallLimiter(VolumeLabel volume, Budget own, Budget node, System.Logger log) {
        this.volume = volume;
        this.own = own;
        this.node = node;
        this.refusals = new RateLimitedLog(log, Level.WARNING);
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        if (!own.tryAcquire()) {
            return refuse(
                    call,
                    "this volume's Workload API has " + own.limit() + " calls in progress, the most "
                            + "limits.max-calls admits");
        }
        if (!node.tryAcquire()) {
            own.release();
            return refuse(
                    call,
                    "the driver has " + node.limit() + " Workload API calls in progress on the node's "
                            + "volumes, the most limits.node-max-calls admits");
        }
        Release release = new Release();
        ServerCall.Listener<Q> listener;
        try {
            listener = next.startCall(
                    new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                        @Override
                        public void close(Status status, Metadata trailers) {
                            try {
                                super.close(status, trailers);
                            } finally {
                                release.run();
                            }
                        }
                    },
                    headers);
        } catch (RuntimeException e) {
            release.run();
            throw e;
        }
        // a call ends in close, or, when the client cancels or the transport fails first, in onCancel
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                release.run();
                super.onCancel();
            }

            @Override
            public void onComplete() {
                release.run();
                super.onComplete();
            }
        };
    }

    private <Q, A> ServerCall.Listener<Q> refuse(ServerCall<Q, A> call, String why) {
        String method = call.getMethodDescriptor().getBareMethodName();
        refusals.log(() -> volume + ": refused " + method + " from "
                + PeerCredentialsNegotiator.peerOf(call).map(UnixPeer::toString).orElse("an unidentified caller")
                + " with RESOURCE_EXHAUSTED: " + why);
        call.close(
                Status.RESOURCE_EXHAUSTED.withDescription(
                        "too many Workload API calls: " + why + "; end some calls or retry later"),
                new Metadata());
        return new ServerCall.Listener<>() {};
    }

    /** Gives the call's places back exactly once, however the call ends. */
    private final class Release implements Runnable {
        private final AtomicBoolean done = new AtomicBoolean();

        @Override
        public void run() {
            if (done.compareAndSet(false, true)) {
                own.release();
                node.release();
            }
        }
    }
}
