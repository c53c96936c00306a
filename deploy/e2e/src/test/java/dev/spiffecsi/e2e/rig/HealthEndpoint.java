package dev.spiffecsi.e2e.rig;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The livenessprobe sidecar's {@code /healthz}, which calls the driver's CSI Probe for each request and answers
 * 200 only when the driver says ready; the driver container's liveness probe uses it. The pod is on the host
 * network, so the port is the node's.
 */
public record HealthEndpoint(int port) {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The status code and body; a connection failure is a {@link IllegalStateException} naming it. */
    public Answer get() {
        HttpRequest request = HttpRequest.newBuilder(uri())
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body().strip());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + port + "/healthz");
    }

    public record Answer(int status, String body) {
        @Override
        public String toString() {
            return status + " " + body;
        }
    }
}
