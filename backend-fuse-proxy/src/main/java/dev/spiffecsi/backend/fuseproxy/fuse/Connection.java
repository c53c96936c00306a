package dev.spiffecsi.backend.fuseproxy.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;

/** The kernel's end of one FUSE connection, as the {@link Handshake} and the {@link ServingLoop} use it. */
interface Connection extends AutoCloseable {

    /**
     * Waits for the next request.
     *
     * @param timeoutMillis how long to wait, or -1 for ever
     * @return the whole request, valid until the next call; {@code null} once the connection has ended
     * @throws IOException when {@code timeoutMillis} passed without a request, or the connection failed
     */
    ByteBuffer receive(int timeoutMillis) throws IOException;

    /** Sends one whole reply, from the buffer's position to its limit. */
    void send(ByteBuffer reply) throws IOException;

    /** Releases the connection; a filesystem still mounted on it is aborted (ENOTCONN). Idempotent. */
    @Override
    void close();
}
