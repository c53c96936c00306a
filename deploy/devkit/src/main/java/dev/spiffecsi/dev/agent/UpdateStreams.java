package dev.spiffecsi.dev.agent;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Workload API's server streams, which stay open for the life of the client: each gets its first message at
 * once and, when it has a refresh interval, a freshly made one every interval, until the client cancels or the
 * agent stops. Stopping completes every open stream, so clients see an orderly end instead of a reset.
 */
final class UpdateStreams implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UpdateStreams.class);

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "dev-agent-updates");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<OpenStream<?>> open = ConcurrentHashMap.newKeySet();

    /**
     * Sends {@code update}'s message now and then every {@code refresh}.
     *
     * @param description the call and its caller, for messages
     */
    <T> void open(String description, StreamObserver<T> response, Supplier<T> update, Duration refresh) {
        OpenStream<T> stream = start(description, response, update);
        stream.repeatEvery(refresh);
    }

    /** Sends {@code update}'s message now and keeps the stream open. */
    <T> void open(String description, StreamObserver<T> response, Supplier<T> update) {
        start(description, response, update);
    }

    private <T> OpenStream<T> start(String description, StreamObserver<T> response, Supplier<T> update) {
        OpenStream<T> stream = new OpenStream<>(description, (ServerCallStreamObserver<T>) response, update);
        open.add(stream);
        stream.call.setOnCancelHandler(() -> {
            stream.stop();
            open.remove(stream);
        });
        stream.send();
        return stream;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        open.forEach(OpenStream::complete);
        open.clear();
    }

    /** One stream; its methods are synchronized because the scheduler and gRPC's threads both reach it. */
    private final class OpenStream<T> {
        private final String description;
        private final ServerCallStreamObserver<T> call;
        private final Supplier<T> update;
        private ScheduledFuture<?> refresher;
        private boolean stopped;

        OpenStream(String description, ServerCallStreamObserver<T> call, Supplier<T> update) {
            this.description = description;
            this.call = call;
            this.update = update;
        }

        synchronized void repeatEvery(Duration refresh) {
            if (!stopped) {
                refresher = scheduler.scheduleAtFixedRate(
                        this::send, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        synchronized void send() {
            if (stopped) {
                return;
            }
            try {
                call.onNext(update.get());
            } catch (RuntimeException e) {
                LOG.error("cannot send the next update of {}; closing the stream", description, e);
                stop();
                open.remove(this);
                call.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
            }
        }

        synchronized void stop() {
            stopped = true;
            if (refresher != null) {
                refresher.cancel(false);
            }
        }

        synchronized void complete() {
            if (!stopped) {
                stop();
                call.onCompleted();
            }
        }
    }
}
