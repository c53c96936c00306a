package dev.spiffecsi.backend.fuseproxy.server;

import java.time.Duration;

/**
 * What one volume's Workload API server admits, whatever the processes of its pod do: every resource a process in
 * the pod can make the driver hold is bounded here, so that one pod can neither exhaust the driver nor starve the
 * other pods' volumes. Past a bound the pod gets a clear refusal (a closed connection, RESOURCE_EXHAUSTED, EMFILE).
 * The {@code limits} block of the backend's settings; checked when the settings are read.
 *
 * @param maxConnections        connections open at a time; one more is closed as soon as it is accepted, before any
 *                              HTTP/2 state is made for it
 * @param maxCallsPerConnection concurrent calls (HTTP/2 streams) on one connection, advertised to the client in
 *                              SETTINGS_MAX_CONCURRENT_STREAMS; the client queues more, or they are refused
 * @param maxCalls              concurrent calls on all of the volume's connections; one more is RESOURCE_EXHAUSTED
 * @param maxRequestBytes       the largest request message; a larger one ends its call with RESOURCE_EXHAUSTED
 * @param maxHeaderListBytes    the largest request header list (metadata); a larger one ends its call
 * @param connectionIdleTimeout how long a connection without any call stays open; then it is closed (GOAWAY), and a
 *                              client that wants to call again reconnects
 * @param handshakeTimeout      how long a new connection may take to send the HTTP/2 preface and settings
 * @param maxOpenFiles          the volume's credential files open at a time (all of the pod's processes together);
 *                              one more open(2) fails with EMFILE
 */
public record VolumeLimits(
        int maxConnections,
        int maxCallsPerConnection,
        int maxCalls,
        int maxRequestBytes,
        int maxHeaderListBytes,
        Duration connectionIdleTimeout,
        Duration handshakeTimeout,
        int maxOpenFiles) {

    public VolumeLimits {
        positive("maxConnections", maxConnections);
        positive("maxCallsPerConnection", maxCallsPerConnection);
        positive("maxCalls", maxCalls);
        positive("maxRequestBytes", maxRequestBytes);
        positive("maxHeaderListBytes", maxHeaderListBytes);
        positive("maxOpenFiles", maxOpenFiles);
        if (connectionIdleTimeout.isNegative() || connectionIdleTimeout.isZero()) {
            throw new IllegalArgumentException("connectionIdleTimeout must be positive: " + connectionIdleTimeout);
        }
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout must be positive: " + handshakeTimeout);
        }
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }
}
