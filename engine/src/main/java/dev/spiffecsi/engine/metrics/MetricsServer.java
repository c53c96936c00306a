package dev.spiffecsi.engine.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves {@code /metrics} in the Prometheus text format. */
public final class MetricsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);

    private final HTTPServer server;

    private MetricsServer(HTTPServer server) {
        this.server = server;
    }

    public static MetricsServer start(InetSocketAddress address, DriverMetrics metrics) throws IOException {
        HTTPServer.Builder builder =
                HTTPServer.builder().port(address.getPort()).registry(metrics.registry());
        if (!address.getAddress().isAnyLocalAddress()) {
            builder.hostname(address.getHostString());
        }
        HTTPServer server = builder.buildAndStart();
        LOG.info("serving metrics on http://{}:{}/metrics", address.getHostString(), server.getPort());
        return new MetricsServer(server);
    }

    /** The bound port (useful when 0 was asked for). */
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
