package dev.spiffecsi.backend.fuseproxy.delegated;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToJWTBundlesResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509BundlesResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The latest bundles of one kind (X.509 CA certificates or JWT keys) of every trust domain the agent knows, from one
 * subscription shared by all volumes and calls: bundles are the same for every workload, so one stream serves them
 * all. Opened at the first watcher, kept (and resumed across agent restarts) until {@link #close}.
 *
 * <p>These are <em>all</em> the agent's bundles, not a workload's: whoever passes them on to a workload must keep
 * only the trust domains that workload belongs to or federates with.
 */
public final class BundleFeed implements AutoCloseable {

    private final Resubscription<?> subscription;
    private final AtomicBoolean started = new AtomicBoolean();
    /** One per workload call: adding and removing must not cost in proportion to how many there are. */
    private final Set<Consumer<Map<String, ByteString>>> watchers = ConcurrentHashMap.newKeySet();

    private volatile Map<String, ByteString> latest;
    /** Orders the first delivery to a new watcher with the deliveries of updates. */
    private final Object delivery = new Object();

    private <R> BundleFeed(
            String subject,
            Consumer<StreamObserver<R>> subscribe,
            Function<R, Map<String, ByteString>> bundlesOf,
            AgentClient agent,
            System.Logger log) {
        this.subscription = new Resubscription<R>(
                subject,
                subscribe,
                new Resubscription.Listener<>() {
                    @Override
                    public void onUpdate(R update) {
                        publish(bundlesOf.apply(update));
                    }

                    @Override
                    public void onFailure(Status status) {
                        throw new IllegalStateException("a KEEP_TRYING subscription does not fail: " + status);
                    }
                },
                Resubscription.Policy.KEEP_TRYING,
                agent,
                log);
    }

    /** The X.509 CA certificates (concatenated DER) of each trust domain. */
    public static BundleFeed x509(AgentClient agent, System.Logger log) {
        return new BundleFeed(
                "the X.509 bundles of the SPIRE agent at " + agent.adminSocket(),
                agent::subscribeToX509Bundles,
                SubscribeToX509BundlesResponse::getCaCertificatesMap,
                agent,
                log);
    }

    /** The JWT signing keys (a JWKS document) of each trust domain. */
    public static BundleFeed jwt(AgentClient agent, System.Logger log) {
        return new BundleFeed(
                "the JWT bundles of the SPIRE agent at " + agent.adminSocket(),
                agent::subscribeToJwtBundles,
                SubscribeToJWTBundlesResponse::getBundlesMap,
                agent,
                log);
    }

    /**
     * Calls {@code watcher} with the current bundles, keyed by trust domain ID, if they are known, and again on
     * every change until {@link #unwatch}. A watcher may see the same bundles twice.
     */
    public void watch(Consumer<Map<String, ByteString>> watcher) {
        // under the lock publish holds while it delivers: a newer update cannot reach the watcher before the
        // bundles read here, which would leave it with stale ones until the next change
        synchronized (delivery) {
            watchers.add(watcher);
            Map<String, ByteString> known = latest;
            if (known != null) {
                watcher.accept(known);
            }
        }
        if (started.compareAndSet(false, true)) {
            subscription.start();
        }
    }

    public void unwatch(Consumer<Map<String, ByteString>> watcher) {
        watchers.remove(watcher);
    }

    /** How many watch now. */
    int watchers() {
        return watchers.size();
    }

    private void publish(Map<String, ByteString> bundles) {
        Map<String, ByteString> byId = new TreeMap<>();
        bundles.forEach((trustDomain, bundle) -> byId.put(TrustDomainIds.of(trustDomain), bundle));
        Map<String, ByteString> current = Map.copyOf(byId);
        synchronized (delivery) {
            latest = current;
            watchers.forEach(watcher -> watcher.accept(current));
        }
    }

    @Override
    public void close() {
        subscription.cancel();
    }
}
