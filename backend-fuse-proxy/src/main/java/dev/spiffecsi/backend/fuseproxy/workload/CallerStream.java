package dev.spiffecsi.backend.fuseproxy.workload;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.delegated.AgentClient;
import dev.spiffecsi.backend.fuseproxy.delegated.AgentStatus;
import dev.spiffecsi.backend.fuseproxy.delegated.BundleFeed;
import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.delegated.Resubscription;
import dev.spiffecsi.backend.fuseproxy.delegated.proto.SubscribeToX509SVIDsResponse;
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
 * call: its delegated subscription is cancelled when the call ends, and it survives agent restarts (see
 * {@link Resubscription.Policy#FAIL_UNTIL_FIRST_UPDATE}).
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
    private final Resubscription<SubscribeToX509SVIDsResponse> identities;
    private final Consumer<Map<String, ByteString>> bundleWatcher = this::onBundles;

    private SubscribeToX509SVIDsResponse latestIdentities;
    private Map<String, ByteString> latestBundles;
    private M lastSent;
    private boolean ended;

    CallerStream(String call, Delegation caller, ResponseComposer<M> composer, AgentClient agent, BundleFeed bundles,
                 StreamObserver<M> responses, VolumeLabel volume, System.Logger log) {
        this.call = call;
        this.caller = caller;
        this.composer = composer;
        this.bundles = bundles;
        this.responses = (ServerCallStreamObserver<M>) responses;
        this.volume = volume;
        this.log = log;
        this.identities = new Resubscription<>("the X.509-SVIDs of " + caller + " (" + call + " on " + volume + ")",
                updates -> agent.subscribeToX509Svids(caller, updates), new Resubscription.Listener<>() {
                    @Override
                    public void onUpdate(SubscribeToX509SVIDsResponse update) {
                        onIdentities(update);
                    }

                    @Override
                    public void onFailure(Status status) {
                        onAgentFailure(status);
                    }
                }, Resubscription.Policy.FAIL_UNTIL_FIRST_UPDATE, agent, log);
    }

    /** Starts; call from the service method, so that the workload's cancellation is seen. */
    void start() {
        responses.setOnCancelHandler(this::stop);
        // the watcher first: the subscription may fail (and stop, which unwatches) on another thread before start
        // returns, and a watcher added after that would stay in the shared feed for good
        bundles.watch(bundleWatcher);
        identities.start();
    }

    private synchronized void onIdentities(SubscribeToX509SVIDsResponse update) {
        if (ended) {
            return;
        }
        if (update.getX509SvidsCount() == 0) {
            log.log(Level.INFO, volume + ": " + call + " for " + caller + ": the SPIRE agent has no identity for "
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
            log.log(Level.INFO, volume + ": " + call + " for " + caller + ": the process that opened the connection "
                    + "has exited, its pid may name another process by now; answered PERMISSION_DENIED");
            fail(answer);
            return;
        }
        log.log(AgentStatus.isAnswer(status) ? Level.INFO : Level.WARNING, volume + ": " + call + " for " + caller
                + " failed: the SPIRE agent answered " + status.getCode() + " " + status.getDescription()
                + "; the workload gets " + answer.getCode());
        fail(answer);
    }

    private void sendIfChanged() {
        if (latestIdentities == null || latestBundles == null) {
            return;
        }
        Optional<M> message = composer.compose(latestIdentities, latestBundles);
        if (message.isPresent() && !message.get().equals(lastSent)) {
            lastSent = message.get();
            responses.onNext(lastSent);
        }
    }

    private void fail(Status status) {
        stop();
        responses.onError(status.asRuntimeException());
    }

    private synchronized void stop() {
        ended = true;
        identities.cancel();
        bundles.unwatch(bundleWatcher);
    }
}
