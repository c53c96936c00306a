package dev.spiffecsi.spi.contract;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Unix socket that stands in for the SPIRE agent's Workload API socket: every connection receives
 * {@link #GREETING}, which proves that a client reached this very socket through a published volume.
 */
public final class FakeAgentSocket implements AutoCloseable {

    public static final String GREETING = "fake-agent\n";

    private final Path path;
    private final ServerSocketChannel server;
    private final Thread acceptor;

    public FakeAgentSocket(Path path) throws IOException {
        this.path = path;
        Files.deleteIfExists(path);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        acceptor = Thread.ofVirtual().name("fake-agent-" + path.getFileName()).start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                client.write(ByteBuffer.wrap(GREETING.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                return;
            }
        }
    }

    public Path path() {
        return path;
    }

    /**
     * Connects to {@code socket} and returns what the server sent first. Unix socket addresses are limited to
     * 107 bytes and kubelet-style paths below a temporary directory are longer, so the connection goes through
     * a short symlink to the socket's directory.
     */
    public static String greetingAt(Path socket) throws IOException {
        Path shortDir = Files.createTempDirectory("fa");
        Path link = Files.createSymbolicLink(shortDir.resolve("d"), socket.getParent());
        try (SocketChannel channel =
                SocketChannel.open(UnixDomainSocketAddress.of(link.resolve(socket.getFileName())))) {
            ByteBuffer buffer = ByteBuffer.allocate(64);
            while (buffer.position() < GREETING.length() && channel.read(buffer) >= 0) {
                // keep reading until the whole greeting arrived or the server closed
            }
            buffer.flip();
            return StandardCharsets.UTF_8.decode(buffer).toString();
        } finally {
            Files.delete(link);
            Files.delete(shortDir);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
        Files.deleteIfExists(path);
    }
}
