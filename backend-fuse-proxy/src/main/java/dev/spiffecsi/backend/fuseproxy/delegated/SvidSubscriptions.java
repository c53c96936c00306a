package dev.spiffecsi.backend.fuseproxy.delegated;

import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsResponse;
import io.grpc.Status;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The X.509-SVID subscriptions of one volume's callers: one SubscribeToX509SVIDs stream to the agent per caller
 * (a process, or the pod's selectors), shared by all of that caller's calls, opened by the first and cancelled when
 * the last one leaves. A pod that opens a thousand streams thus costs the agent one subscription per process that
 * calls, not one per stream. Each shared stream follows {@link Resubscription.Policy#FAIL_UNTIL_FIRST_UPDATE}: a
 * failure ends it for every call that shares it, and the next call opens a new one.
 *
 * <p>A caller named by its pid shares only while the pid names the same process: a call joins a subscription only
 * if neither the process that opened it nor the joining one has exited ({@link Delegation#hasExited}); both still
 * running means both are the process that holds the pid now. A subscription whose process has exited is left to
 * end on its own (the agent client refuses its next answer) and a new caller with that pid gets a new one.
 *
 * <p>Thread-safe. Updates reach a call in order, and a call that joins an answered subscription gets its latest
 * update at once, before any later one.
 */
public final class SvidSubscriptions {

    /** A call's share of its caller's subscription: updates and the failure go to its listener until it leaves. */
    public interface Share {
        /** Stops the updates to this call; the last call to leave cancels the subscription. Idempotent. */
        void leave();
    }

    private final AgentClient agent;
    private final String volume;
    private final System.Logger log;
    /** Guards {@link #byCaller} and each subscription's members and end. Never held while calling out. */
    private final Object membership = new Object();

    private final Map<Object, Shared> byCaller = new HashMap<>();

    /**
     * @param volume names the volume in the subjects of log lines
     */
    public SvidSubscriptions(AgentClient agent, String volume, System.Logger log) {
        this.agent = agent;
        this.volume = volume;
        this.log = log;
    }

    /**
     * Joins the caller's subscription, opening it if there is none. The listener may be called before this returns
     * (with the latest update of a subscription already answered).
     */
    public Share join(Delegation caller, Resubscription.Listener<SubscribeToX509SVIDsResponse> listener) {
        Object key = keyOf(caller);
        Shared shared;
        boolean opened = false;
        synchronized (membership) {
            shared = byCaller.get(key);
            if (shared != null && shared.owner.hasExited()) {
                // its pid may name another process by now: not shared any more; its own calls see it end
                byCaller.remove(key);
                shared = null;
            }
            if (shared != null && caller.hasExited()) {
                // this connection's process is gone, so the pid is not its own: nothing may reach it
                agent.scheduler().execute(() -> listener.onFailure(AgentClient.WORKLOAD_EXITED));
                return () -> {};
            }
            if (shared == null) {
                shared = new Shared(key, caller);
                byCaller.put(key, shared);
                opened = true;
            }
            shared.members.add(listener);
        }
        if (opened) {
            shared.upstream.start();
        } else {
            shared.catchUp(listener);
        }
        Shared joined = shared;
        return () -> leave(joined, listener);
    }

    /** Subscriptions open now, for tests. */
    int open() {
        synchronized (membership) {
            return byCaller.size();
        }
    }

    private void leave(Shared shared, Resubscription.Listener<SubscribeToX509SVIDsResponse> listener) {
        boolean last;
        synchronized (membership) {
            if (!shared.members.remove(listener)) {
                return;
            }
            last = shared.members.isEmpty() && !shared.ended;
            if (last) {
                shared.ended = true;
                byCaller.remove(shared.key, shared);
            }
        }
        if (last) {
            shared.upstream.cancel();
        }
    }

    /**
     * What makes two calls the same caller to the agent: the pid (the liveness check above keeps it one process),
     * or the selectors.
     */
    private static Object keyOf(Delegation caller) {
        return switch (caller) {
            case Delegation.ByPid byPid -> byPid.pid();
            case Delegation.BySelectors bySelectors -> bySelectors.selectors();
        };
    }

    /** One caller's subscription and the calls that share it. */
    private final class Shared implements Resubscription.Listener<SubscribeToX509SVIDsResponse> {
        final Object key;
        /** Whom the subscription was opened for: the agent client checks its process on every answer. */
        final Delegation owner;
        /** Changed under {@link #membership}; iterated under {@link #delivery} (O(1) add and remove). */
        final Set<Resubscription.Listener<SubscribeToX509SVIDsResponse>> members = ConcurrentHashMap.newKeySet();

        final Resubscription<SubscribeToX509SVIDsResponse> upstream;
        /** Orders a late joiner's first update with the deliveries to every member. */
        final Object delivery = new Object();
        /** Under {@link #membership}: no call may join any more. */
        boolean ended;
        /** Under {@link #delivery}. */
        SubscribeToX509SVIDsResponse latest;

        Status failure;

        Shared(Object key, Delegation owner) {
            this.key = key;
            this.owner = owner;
            this.upstream = new Resubscription<>(
                    "the X.509-SVIDs of " + owner + " (the calls on " + volume + ")",
                    updates -> agent.subscribeToX509Svids(owner, updates),
                    this,
                    Resubscription.Policy.FAIL_UNTIL_FIRST_UPDATE,
                    agent,
                    log);
        }

        void catchUp(Resubscription.Listener<SubscribeToX509SVIDsResponse> member) {
            synchronized (delivery) {
                if (latest != null && failure == null) {
                    member.onUpdate(latest);
                }
            }
        }

        @Override
        public void onUpdate(SubscribeToX509SVIDsResponse update) {
            synchronized (delivery) {
                latest = update;
                for (Resubscription.Listener<SubscribeToX509SVIDsResponse> member : members) {
                    member.onUpdate(update);
                }
            }
        }

        @Override
        public void onFailure(Status status) {
            synchronized (membership) {
                ended = true;
                byCaller.remove(key, this);
            }
            List<Resubscription.Listener<SubscribeToX509SVIDsResponse>> failed;
            synchronized (delivery) {
                failure = status;
                failed = List.copyOf(members);
            }
            // outside the lock: a member that fails may end its workload's call, which is the member's business
            failed.forEach(member -> member.onFailure(status));
        }

        @Override
        public void onInterrupted(Status status) {
            synchronized (delivery) {
                members.forEach(member -> member.onInterrupted(status));
            }
        }
    }
}
