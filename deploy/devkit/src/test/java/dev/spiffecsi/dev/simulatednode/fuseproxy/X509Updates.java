package dev.spiffecsi.dev.simulatednode.fuseproxy;

import io.spiffe.workloadapi.Watcher;
import io.spiffe.workloadapi.X509Context;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The X.509 context updates a java-spiffe watch delivers, for a test to take one at a time. */
final class X509Updates implements Watcher<X509Context> {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final BlockingQueue<X509Context> updates = new LinkedBlockingQueue<>();
    /** Set when the client gives up; it then sends no more updates. */
    private final CompletableFuture<Throwable> gaveUp = new CompletableFuture<>();

    @Override
    public void onUpdate(X509Context update) {
        updates.add(update);
    }

    @Override
    public void onError(Throwable error) {
        gaveUp.complete(error);
    }

    X509Context next() throws InterruptedException {
        X509Context update = updates.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        if (update == null) {
            throw new AssertionError("no X.509 context update within " + PATIENCE + "; the client "
                    + (gaveUp.isDone() ? "gave up: " + gaveUp.getNow(null) : "is still waiting"));
        }
        return update;
    }
}
