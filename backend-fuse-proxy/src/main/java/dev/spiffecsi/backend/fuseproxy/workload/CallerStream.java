package dev.spiffecsi.backend.fuseproxy.workload;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.delegated.AgentClient;
import dev.spiffecsi.backend.fuseproxy.delegated.AgentStatus;
import dev.spiffecsi.backend.fuseproxy.delegated.BundleFeed;
import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.delegated.Resubscription;
import dev.spiffecsi.backend.fuseproxy.delegated.SvidSubscriptions;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import dev.spiffecsi.spi.LogSafe;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One streaming Workload API call of one caller: the caller's X.509-SVIDs, subscribed to on its behalf, joined with
 * the agent's bundles of one kind; a message goes out whenever the join changes. It lives as long as the workload's
 * call: it leaves the caller's delegated subscription (shared by the caller's calls, see {@link SvidSubscriptions})
 * when the call ends, and it survives agent restarts (see {@link Resubscription.Policy#FAIL_UNTIL_FIRST_UPDATE}).
 *
 * <p>A caller without any identity (an empty delegated update) gets PERMISSION_DENIED "no identity issued", as the
 * Workload API standard says, which ends the call: the caller retries with backoff.
 *
 * @param <M> the Workload API message
 */
final class CallerStream<M> {

    private final String call;
    private final Delegation caller;
    private final ResponseComposer<M> composer;
    private final BundleFeed bundles;
    private final ServerCallStreamObserver<M> responses;
    private final VolumeLabel volume;
    private final System.Logger log;
    /** The volume's log of answers its callers can cause at will (no identity, say): one line a minute. */
    private final RateLimitedLog refusals;

    private final SvidSubscriptions subscriptions;
    private final Consumer<Map<String, ByteString>> bundleWatcher = this::onBundles;

    /** This call's share of the caller's subscription, once joined; left when the call ends. */
    private SvidSubscriptions.Share identities;

    private SubscribeToX509SVIDsResponse latestIdentities;
    private Map<String, ByteString> latestBundles;
    private M lastSent;
    /**
     * The newest message held back while the client does not read (the stream is not ready): a client that never
     * reads makes the driver hold one message for it, not one per SVID rotation for as long as it stays connected.
     */
    private M unsent;

    private boolean ended;

    CallerStream(
            String call,
            Delegation caller,
            ResponseComposer<M> composer,
            SvidSubscriptions subscriptions,
            BundleFeed bundles,
            StreamObserver<M> responses,
            VolumeLabel volume,
            RateLimitedLog refusals,
            System.Logger log) {
        this.call = call;
        this.caller = caller;
        this.composer = composer;
        this.bundles = bundles;
        this.responses = (ServerCallStreamObserver<M>) responses;
        this.volume = volume;
        this.log = log;
        this.refusals = refusals;
        this.subscriptions = subscriptions;
    }

    /** Starts; call from the service method, so that the workload's cancellation is seen. */
    void start() {
        responses.setOnCancelHandler(this::stop);
        responses.setOnReadyHandler(this::onReady);
        // the watcher first: the subscription may fail (and stop, which unwatches) on another thread before start
        // returns, and a watcher added after that would stay in the shared feed for good
        bundles.watch(bundleWatcher);
        SvidSubscriptions.Share joined = subscriptions.join(caller, new Resubscription.Listener<>() {
            @Override
            public void onUpdate(SubscribeToX509SVIDsResponse update) {
                onIdentities(update);
            }

            @Override
            public void onFailure(Status status) {
                onAgentFailure(status);
            }
        });
        synchronized (this) {
            if (ended) {
                // ended meanwhile (cancelled, or refused on the subscription's latest update) before it knew its share
                joined.leave();
            } else {
                identities = joined;
            }
        }
    }

    private synchronized void onIdentities(SubscribeToX509SVIDsResponse update) {
        if (ended) {
            return;
        }
        if (update.getX509SvidsCount() == 0) {
            refusals.log(() -> volume + ": " + call + " for " + caller + ": the SPIRE agent has no identity for "
                    + "the caller; answered PERMISSION_DENIED");
            fail(Status.PERMISSION_DENIED.withDescription("no identity issued"));
            return;
        }
        latestIdentities = update;
        sendIfChanged();
    }

    private synchronized void onBundles(Map<String, ByteString> update) {
        if (ended) {
            return;
        }
        latestBundles = update;
        sendIfChanged();
    }

    private synchronized void onAgentFailure(Status status) {
        if (ended) {
            return;
        }
        Status answer = AgentStatus.forWorkload(status);
        if (AgentClient.isWorkloadExited(status)) {
            refusals.log(() -> volume + ": " + call + " for " + caller + ": the process that opened the connection "
                    + "has exited, its pid may name another process by now; answered PERMISSION_DENIED");
            fail(answer);
            return;
        }
        String line = volume + ": " + call + " for " + caller + " failed: the SPIRE agent answered "
                + status.getCode() + " " + LogSafe.value(status.getDescription()) + "; the workload gets "
                + answer.getCode();
        if (AgentStatus.isAnswer(status)) {
            refusals.log(() -> line);
        } else {
            log.log(Level.WARNING, line);
        }
        fail(answer);
    }

    private void sendIfChanged() {
        if (latestIdentities == null || latestBundles == null) {
            return;
        }
        Optional<M> message = composer.compose(latestIdentities, latestBundles);
        if (message.isEmpty()) {
            return;
        }
        if (message.get().equals(lastSent)) {
            unsent = null; // back to what the client has: whatever was held back is stale
            return;
        }
        if (!responses.isReady()) {
            unsent = message.get();
            return;
        }
        unsent = null;
        lastSent = message.get();
        responses.onNext(lastSent);
    }

    /** The client reads again: what was held back goes out. */
    private synchronized void onReady() {
        if (ended || unsent == null || !responses.isReady()) {
            return;
        }
        lastSent = unsent;
        unsent = null;
        responses.onNext(lastSent);
    }

    private void fail(Status status) {
        stop();
        responses.onError(status.asRuntimeException());
    }

    private synchronized void stop() {
        ended = true;
        if (identities != null) {
            identities.leave();
        }
        bundles.unwatch(bundleWatcher);
    }
}
