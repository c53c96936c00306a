package dev.spiffecsi.backend.fuseproxy.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The attack of issue 18, as a process of its own (the driver's heap is then the server's alone): opens
 * {@code count} connections to a Workload API socket, each sending the HTTP/2 client preface and nothing more,
 * holding up to {@code hold} at a time (bounded by the process's file descriptors; the oldest are closed past it).
 * Prints {@code held <n> sent <n> failed <n> millis <n>} once done, then holds them until a line on stdin.
 *
 * <p>Arguments: socket path (at most 107 bytes), count, hold.
 */
public final class ConnectionFlood {

    private static final byte[] PREFACE_AND_SETTINGS;

    static {
        byte[] magic = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] settings = {0, 0, 0, 4, 0, 0, 0, 0, 0};
        PREFACE_AND_SETTINGS = ByteBuffer.allocate(magic.length + settings.length)
                .put(magic)
                .put(settings)
                .array();
    }

    private ConnectionFlood() {}

    public static void main(String[] args) throws IOException {
        UnixDomainSocketAddress socket = UnixDomainSocketAddress.of(args[0]);
        int count = Integer.parseInt(args[1]);
        int hold = Integer.parseInt(args[2]);
        Deque<SocketChannel> held = new ArrayDeque<>();
        int sent = 0;
        int failed = 0;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (held.size() >= hold) {
                held.removeFirst().close();
            }
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(socket);
                channel.write(ByteBuffer.wrap(PREFACE_AND_SETTINGS));
                sent++;
            } catch (IOException e) {
                failed++; // reset: the server closed it already
            }
            held.addLast(channel);
        }
        System.out.println("held " + held.size() + " sent " + sent + " failed " + failed + " millis "
                + (System.nanoTime() - start) / 1_000_000);
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        for (SocketChannel channel : held) {
            channel.close();
        }
    }
}
