package dev.spiffecsi.engine.metrics;

import static dev.spiffecsi.engine.testing.EngineFixture.publish;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.engine.testing.EngineFixture;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Calls through real gRPC show up on a real /metrics endpoint. */
class DriverMetricsTest {

    @TempDir
    Path root;

    @Test
    void callsVolumesAndReadinessAreExported() throws Exception {
        try (EngineFixture fixture = new EngineFixture(root, false);
                MetricsServer server = MetricsServer.start(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), fixture.metrics)) {
            fixture.node.nodePublishVolume(publish("vol-1", fixture.newTarget()).build());
            assertThrows(
                    StatusRuntimeException.class,
                    () -> fixture.node.nodePublishVolume(
                            publish("", fixture.newTarget()).build()));
            fixture.backend.setHealthy(false);

            String body = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();

            assertTrue(
                    body.contains("spiffe_csi_rpc_requests_total{code=\"OK\",method=\"NodePublishVolume\"} 1"), body);
            assertTrue(
                    body.contains(
                            "spiffe_csi_rpc_requests_total{code=\"INVALID_ARGUMENT\",method=\"NodePublishVolume\"} 1"),
                    body);
            assertTrue(body.contains("spiffe_csi_rpc_duration_seconds_count{method=\"NodePublishVolume\"} 2"), body);
            assertTrue(body.contains("spiffe_csi_published_volumes 1"), body);
            assertTrue(body.contains("spiffe_csi_backend_ready 0"), body);
        }
    }
}
