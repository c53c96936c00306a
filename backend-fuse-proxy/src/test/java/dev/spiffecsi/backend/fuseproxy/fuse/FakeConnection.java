package dev.spiffecsi.backend.fuseproxy.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A scripted connection: hands out the queued requests, then ends (or fails); records every reply sent.
 */
final class FakeConnection implements Connection {

    private final Deque<ByteBuffer> requests = new ArrayDeque<>();
    private final List<ByteBuffer> replies = new ArrayList<>();
    private IOException failureAtEnd;
    private int failingSends;
    private boolean closed;

    FakeConnection request(ByteBuffer request) {
        requests.add(request);
        return this;
    }

    /** Makes {@link #receive} fail instead of ending once the requests are used up. */
    FakeConnection failAtEnd(IOException failure) {
        this.failureAtEnd = failure;
        return this;
    }

    /** Makes the next {@code count} sends fail, as a write(2) the kernel rejects. */
    FakeConnection failSends(int count) {
        this.failingSends = count;
        return this;
    }

    @Override
    public ByteBuffer receive(int timeoutMillis) throws IOException {
        if (requests.isEmpty()) {
            if (failureAtEnd != null) {
                throw failureAtEnd;
            }
            return null;
        }
        return requests.poll();
    }

    @Override
    public void send(ByteBuffer reply) throws IOException {
        if (failingSends > 0) {
            failingSends--;
            throw new IOException("write(/dev/fuse): Invalid argument (errno 22)");
        }
        ByteBuffer copy = ByteBuffer.allocate(reply.remaining()).order(ByteOrder.nativeOrder());
        copy.put(reply.duplicate()).flip();
        replies.add(copy);
    }

    @Override
    public void close() {
        closed = true;
    }

    List<ByteBuffer> replies() {
        return replies;
    }

    boolean closed() {
        return closed;
    }

    static long unique(ByteBuffer reply) {
        return reply.getLong(8);
    }

    static int error(ByteBuffer reply) {
        return reply.getInt(4);
    }
}
