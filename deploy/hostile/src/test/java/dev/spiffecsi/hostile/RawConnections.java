package dev.spiffecsi.hostile;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Many raw connections to one Unix socket, each sending the same bytes once and then never reading: what a process
 * in a pod can do with a few lines of script. Connects are non-blocking, so that a server that stops accepting
 * (a full backlog answers EAGAIN) cannot stall the tier; a refused connect is counted, not retried.
 */
final class RawConnections implements AutoCloseable {

    private final List<SocketChannel> open = new ArrayList<>();
    private int refused;
    private int backlogRetries;
    private String firstRefusal;

    /**
     * Opens up to {@code count} connections to {@code socket}, sending {@code bytes} on each. A connect the server's
     * full backlog turns away (EAGAIN) is tried again, as a determined attacker would, until {@code patience} has
     * passed since the first; any other refusal is final.
     */
    void open(Path socket, int count, byte[] bytes, Duration patience) throws InterruptedException {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(socket);
        long deadline = System.nanoTime() + patience.toNanos();
        for (int i = 0; i < count; i++) {
            while (true) {
                SocketChannel channel = null;
                try {
                    channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                    channel.configureBlocking(false);
                    if (!channel.connect(address) && !channel.finishConnect()) {
                        throw new IOException("connect in progress");
                    }
                    channel.write(ByteBuffer.wrap(bytes));
                    open.add(channel);
                    break;
                } catch (IOException e) {
                    closeQuietly(channel);
                    boolean backlogFull = String.valueOf(e.getMessage()).contains("temporarily unavailable");
                    if (backlogFull && System.nanoTime() < deadline) {
                        backlogRetries++;
                        Thread.sleep(1);
                        continue;
                    }
                    refused++;
                    if (firstRefusal == null) {
                        firstRefusal = e.toString();
                    }
                    break;
                }
            }
        }
    }

    /** How many connects the server's full backlog turned away before one went through (or the patience ran out). */
    int backlogRetries() {
        return backlogRetries;
    }

    int opened() {
        return open.size();
    }

    int refused() {
        return refused;
    }

    String firstRefusal() {
        return firstRefusal;
    }

    /** How many of the open connections the server has closed (a read sees the end of the stream). */
    int closedByServer() {
        int closed = 0;
        ByteBuffer sink = ByteBuffer.allocate(4096);
        for (SocketChannel channel : open) {
            try {
                sink.clear();
                if (channel.read(sink) < 0) {
                    closed++;
                }
            } catch (IOException e) {
                closed++;
            }
        }
        return closed;
    }

    /** The soft limit on open files of this process (/proc/self/limits). */
    static int openFileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft =
                            line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Integer.MAX_VALUE : Integer.parseInt(soft);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return 1024;
    }

    @Override
    public void close() {
        open.forEach(RawConnections::closeQuietly);
        open.clear();
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing is all that is left to do
            }
        }
    }
}
