package dev.spiffecsi.dev.workload;

import io.spiffe.exception.SocketEndpointAddressException;
import io.spiffe.workloadapi.DefaultWorkloadApiClient;
import io.spiffe.workloadapi.Watcher;
import io.spiffe.workloadapi.WorkloadApiClient;
import io.spiffe.workloadapi.X509Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The example workload: the real java-spiffe Workload API client, watching the workload's X.509 context (its
 * X.509-SVIDs and trust bundles) the way an application using java-spiffe does.
 */
public final class ExampleWorkload implements AutoCloseable {

    private final WorkloadApiClient client;

    private ExampleWorkload(WorkloadApiClient client) {
        this.client = client;
    }

    /**
     * @param address the Workload API address, {@code unix:///path/to/socket}
     */
    public static ExampleWorkload connect(String address) throws SocketEndpointAddressException {
        return new ExampleWorkload(DefaultWorkloadApiClient.newClient(DefaultWorkloadApiClient.ClientOptions.builder()
                .spiffeSocketPath(address)
                .build()));
    }

    /** Calls {@code watcher} with every update until this workload is closed. */
    public void watch(Watcher<X509Context> watcher) {
        client.watchX509Context(watcher);
    }

    /**
     * The first update of the watch.
     *
     * @throws ExecutionException when the client gives up (the agent refused the call, or sent something invalid)
     * @throws TimeoutException   when nothing arrived within {@code timeout}; the client keeps retrying an agent
     *                            it cannot reach, so this is how an absent agent shows
     */
    public X509Context firstUpdate(Duration timeout) throws ExecutionException, TimeoutException, InterruptedException {
        CompletableFuture<X509Context> first = new CompletableFuture<>();
        watch(new Watcher<>() {
            @Override
            public void onUpdate(X509Context update) {
                first.complete(update);
            }

            @Override
            public void onError(Throwable error) {
                first.completeExceptionally(error);
            }
        });
        return first.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the Workload API client", e);
        }
    }
}
