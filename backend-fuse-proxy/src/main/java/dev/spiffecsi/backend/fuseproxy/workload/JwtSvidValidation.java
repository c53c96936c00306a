package dev.spiffecsi.backend.fuseproxy.workload;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.delegated.AgentClient;
import dev.spiffecsi.backend.fuseproxy.delegated.AgentStatus;
import dev.spiffecsi.backend.fuseproxy.delegated.BundleFeed;
import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.delegated.Resubscription;
import dev.spiffecsi.backend.fuseproxy.delegated.SvidSubscriptions;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.ValidateJWTSVIDRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.ValidateJWTSVIDResponse;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import dev.spiffecsi.spi.LogSafe;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One ValidateJWTSVID call. The Delegated Identity API has no validation call, so the token is checked here,
 * against the JWT bundles of the trust domains the caller trusts: which those are comes from the caller's current
 * X.509-SVIDs (their trust domains and federation, from the caller's shared subscription, see
 * {@link SvidSubscriptions}), the keys from the agent's shared JWT bundle feed. Both are awaited without blocking a
 * thread, for at most the agent timeout.
 */
final class JwtSvidValidation {

    private final ValidateJWTSVIDRequest request;
    private final Delegation caller;
    private final AgentClient agent;
    private final SvidSubscriptions subscriptions;
    private final BundleFeed jwtBundles;
    private final ServerCallStreamObserver<ValidateJWTSVIDResponse> response;
    private final VolumeLabel volume;
    private final System.Logger log;
    /** The volume's log of answers its callers can cause at will (an invalid token, say): one line a minute. */
    private final RateLimitedLog refusals;

    private final CompletableFuture<SubscribeToX509SVIDsResponse> identities = new CompletableFuture<>();
    private final CompletableFuture<Map<String, ByteString>> bundles = new CompletableFuture<>();
    private final Consumer<Map<String, ByteString>> bundleWatcher = bundles::complete;
    /** Fails the bundle wait after the agent timeout; set by {@link #start}, before anything can call stop. */
    private volatile Future<?> bundleTimeout;
    /** This call's share of the caller's subscription, once joined; left when the call ends. */
    private SvidSubscriptions.Share identityShare;

    private boolean stopped;

    JwtSvidValidation(
            ValidateJWTSVIDRequest request,
            Delegation caller,
            AgentClient agent,
            SvidSubscriptions subscriptions,
            BundleFeed jwtBundles,
            StreamObserver<ValidateJWTSVIDResponse> response,
            VolumeLabel volume,
            RateLimitedLog refusals,
            System.Logger log) {
        this.request = request;
        this.caller = caller;
        this.agent = agent;
        this.jwtBundles = jwtBundles;
        this.response = (ServerCallStreamObserver<ValidateJWTSVIDResponse>) response;
        this.volume = volume;
        this.log = log;
        this.refusals = refusals;
        this.subscriptions = subscriptions;
    }

    void start() {
        // scheduled before the cancel handler is set, so that a cancellation always finds the timer to cancel
        bundleTimeout = agent.scheduler()
                .schedule(
                        () -> bundles.completeExceptionally(agentFailure(Status.DEADLINE_EXCEEDED.withDescription(
                                "no JWT bundles within " + agent.timeout().toMillis() + " ms"))),
                        agent.timeout().toMillis(),
                        TimeUnit.MILLISECONDS);
        response.setOnCancelHandler(this::stop);
        SvidSubscriptions.Share joined = subscriptions.join(caller, new Resubscription.Listener<>() {
            @Override
            public void onUpdate(SubscribeToX509SVIDsResponse update) {
                identities.complete(update);
            }

            @Override
            public void onFailure(Status status) {
                identities.completeExceptionally(agentFailure(status));
            }
        });
        synchronized (this) {
            if (stopped) {
                joined.leave();
            } else {
                identityShare = joined;
            }
        }
        jwtBundles.watch(bundleWatcher);
        // finish answers the caller whatever happened: nothing is left to observe in the returned future
        var unused = identities.thenCombine(bundles, this::validate).whenComplete(this::finish);
    }

    private ValidateJWTSVIDResponse validate(SubscribeToX509SVIDsResponse current, Map<String, ByteString> keys) {
        if (current.getX509SvidsCount() == 0) {
            throw new CompletionException(
                    new StatusException(Status.PERMISSION_DENIED.withDescription("no identity issued")));
        }
        try {
            return JwtSvidValidator.validate(request.getSvid(), request.getAudience(), TrustScope.of(current), keys);
        } catch (StatusException e) {
            throw new CompletionException(e);
        }
    }

    private void finish(ValidateJWTSVIDResponse validated, Throwable failure) {
        stop();
        if (failure == null) {
            response.onNext(validated);
            response.onCompleted();
            return;
        }
        Status status = Status.fromThrowable(failure);
        // the description never quotes the token (see JwtSvidValidator); bounded all the same
        refusals.log(() -> volume + ": ValidateJWTSVID for " + caller + " answered " + status.getCode() + ": "
                + LogSafe.value(status.getDescription()));
        response.onError(status.asRuntimeException());
    }

    private StatusException agentFailure(Status status) {
        if (!AgentStatus.isAnswer(status)) {
            log.log(
                    Level.WARNING,
                    volume + ": ValidateJWTSVID for " + caller + ": the SPIRE agent did not answer: " + status.getCode()
                            + " " + LogSafe.value(status.getDescription()));
        }
        return new StatusException(AgentStatus.forWorkload(status));
    }

    private void stop() {
        bundleTimeout.cancel(false); // else it holds this call until the agent timeout passes
        synchronized (this) {
            stopped = true;
            if (identityShare != null) {
                identityShare.leave();
            }
        }
        jwtBundles.unwatch(bundleWatcher);
    }
}
