package dev.spiffecsi.backend.fuseproxy.delegated;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A server stream from the SPIRE agent that outlives the agent: when the stream breaks (the agent restarts, the
 * connection drops), it is opened again with exponential backoff and the listener simply sees the next update, the
 * full current state as every delegated update is. Whether a failure is passed on instead is the {@link Policy}'s.
 *
 * <p>Its lifetime is its own: it ends on {@link #cancel}, never with the gRPC call it was started from. Thread-safe. Updates of one attempt arrive in order on the channel's executor; those of an attempt that was
 * replaced or cancelled are dropped.
 *
 * @param <R> the update message
 */
public final class Resubscription<R> {

    /** Receives the updates, and the one failure that ends the subscription. */
    public interface Listener<R> {
        void onUpdate(R update);

        void onFailure(Status status);

        /** The stream broke and is being opened again; the next update, if any, comes from the new one. */
        default void onInterrupted(Status status) {}
    }

    /** When a broken stream is given up. */
    public enum Policy {
        /**
         * For a workload's call: anything before the first update fails (the workload learns at once that the agent
         * is unreachable, and retries itself), and so does a refusal by the agent at any time; after the first
         * update, a lost stream is resumed and the workload's stream stays open. Outages are logged at INFO.
         */
        FAIL_UNTIL_FIRST_UPDATE(Level.INFO),
        /** For state shared by every volume (bundles): never gives up. Outages are logged at WARNING. */
        KEEP_TRYING(Level.WARNING);

        private final Level outageLevel;

        Policy(Level outageLevel) {
            this.outageLevel = outageLevel;
        }
    }

    private static final Duration INITIAL_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final String subject;
    private final Consumer<StreamObserver<R>> subscribe;
    private final Listener<R> listener;
    private final Policy policy;
    private final AgentClient agent;
    private final System.Logger log;

    private final Object lock = new Object();
    private Attempt current;
    private ScheduledFuture<?> timer;
    private boolean stopped;
    private boolean updated;
    private boolean inOutage;
    private Duration backoff = INITIAL_BACKOFF;

    /**
     * @param subject   what is subscribed to and for whom, for log lines (with the volume id and target path)
     * @param subscribe opens one attempt of the stream with the given observer
     */
    public Resubscription(
            String subject,
            Consumer<StreamObserver<R>> subscribe,
            Listener<R> listener,
            Policy policy,
            AgentClient agent,
            System.Logger log) {
        this.subject = subject;
        this.subscribe = subscribe;
        this.listener = listener;
        this.policy = policy;
        this.agent = agent;
        this.log = log;
    }

    public void start() {
        if (policy == Policy.FAIL_UNTIL_FIRST_UPDATE) {
            synchronized (lock) {
                timer = agent.scheduler()
                        .schedule(this::firstUpdateOverdue, agent.timeout().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        attempt();
    }

    /** Stops for good; nothing more reaches the listener. */
    public void cancel() {
        Attempt attempt;
        synchronized (lock) {
            stopped = true;
            attempt = current;
            current = null;
            cancelTimer();
        }
        if (attempt != null) {
            attempt.cancel();
        }
    }

    private void attempt() {
        Attempt attempt = new Attempt();
        synchronized (lock) {
            if (stopped) {
                return;
            }
            current = attempt;
        }
        // not in the caller's gRPC context: a subscription started while serving a workload's call would otherwise
        // be cancelled with that call, behind this class's back (and a shared bundle feed with the first call)
        Context.current().fork().run(() -> subscribe.accept(attempt));
    }

    private void firstUpdateOverdue() {
        Attempt attempt;
        synchronized (lock) {
            if (updated || stopped) {
                return;
            }
            stopped = true;
            attempt = current;
            current = null;
        }
        if (attempt != null) {
            attempt.cancel();
        }
        listener.onFailure(Status.UNAVAILABLE.withDescription(
                "the SPIRE agent sent nothing within " + agent.timeout().toMillis() + " ms"));
    }

    private void delivered(Attempt attempt, R update) {
        boolean recovered;
        synchronized (lock) {
            if (attempt != current) {
                return;
            }
            if (!updated) {
                updated = true;
                cancelTimer();
            }
            recovered = inOutage;
            inOutage = false;
            backoff = INITIAL_BACKOFF;
        }
        if (recovered) {
            log.log(policy.outageLevel, "resubscribed to the SPIRE agent: " + subject);
        }
        listener.onUpdate(update);
    }

    private void ended(Attempt attempt, Status status) {
        boolean give;
        boolean firstOfOutage = false;
        Duration delay = null;
        synchronized (lock) {
            if (attempt != current) {
                return;
            }
            current = null;
            give = policy == Policy.FAIL_UNTIL_FIRST_UPDATE && (!updated || AgentStatus.isAnswer(status));
            if (give) {
                stopped = true;
                cancelTimer();
            } else {
                delay = backoff;
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                firstOfOutage = !inOutage;
                inOutage = true;
                timer = agent.scheduler().schedule(this::attempt, delay.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        if (give) {
            listener.onFailure(status);
        } else {
            listener.onInterrupted(status);
            log.log(
                    firstOfOutage ? policy.outageLevel : Level.DEBUG,
                    "lost the stream of " + subject + " ("
                            + status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription())
                            + "); resubscribing in " + delay.toMillis() + " ms"
                            + (firstOfOutage ? " and with backoff until the agent answers" : ""));
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** One opening of the stream. */
    private final class Attempt implements ClientResponseObserver<Object, R> {
        private volatile ClientCallStreamObserver<Object> call;
        private volatile boolean cancelled;

        @Override
        public void beforeStart(ClientCallStreamObserver<Object> call) {
            this.call = call;
            if (cancelled) {
                call.cancel("the subscription was cancelled", null);
            }
        }

        void cancel() {
            cancelled = true;
            ClientCallStreamObserver<Object> started = call;
            if (started != null) {
                started.cancel("the subscription was cancelled", null);
            }
        }

        @Override
        public void onNext(R update) {
            delivered(this, update);
        }

        @Override
        public void onError(Throwable t) {
            ended(this, Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            ended(this, Status.UNAVAILABLE.withDescription("the SPIRE agent ended the stream"));
        }
    }
}
