package dev.spiffecsi.dev.agent;

import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Records what a server stream delivers, so a test can wait for the next message or for the end. */
final class StreamRecorder<T> implements StreamObserver<T> {

    static final Duration PATIENCE = Duration.ofSeconds(30);

    private final BlockingQueue<T> messages = new LinkedBlockingQueue<>();
    /** Completes with {@code null} at a clean end, with the error otherwise. */
    private final CompletableFuture<Throwable> end = new CompletableFuture<>();

    @Override
    public void onNext(T message) {
        messages.add(message);
    }

    @Override
    public void onError(Throwable error) {
        end.complete(error);
    }

    @Override
    public void onCompleted() {
        end.complete(null);
    }

    T next() throws InterruptedException {
        T message = messages.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        if (message == null) {
            throw new AssertionError("no message within " + PATIENCE + "; the stream ended with " + end.getNow(null));
        }
        return message;
    }

    /** The error the stream ended with, {@code null} for a clean end. */
    Throwable end() throws InterruptedException, ExecutionException, TimeoutException {
        return end.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }

    /** Whether the stream is still open after {@code wait}, with no message beyond those already taken. */
    boolean quietFor(Duration wait) throws InterruptedException {
        return messages.poll(wait.toMillis(), TimeUnit.MILLISECONDS) == null && !end.isDone();
    }
}
