package dev.spiffecsi.engine.csi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnixSocketServerTest {

    private static Path shortTempDir() throws IOException {
        return Files.createTempDirectory("uss"); // Unix socket paths must stay under 108 bytes
    }

    @Test
    void createsTheSocketOwnerOnlyAndRemovesItOnClose() throws Exception {
        Path socket = shortTempDir().resolve("csi/csi.sock");
        try (UnixSocketServer server = UnixSocketServer.start(socket, List.of(), Duration.ofSeconds(1))) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        }
        assertFalse(Files.exists(socket));
    }

    @Test
    void replacesAStaleSocket() throws Exception {
        Path socket = shortTempDir().resolve("csi.sock");
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket));
        try (UnixSocketServer server = UnixSocketServer.start(socket, List.of(), Duration.ofSeconds(1))) {
            assertTrue(Files.exists(socket));
        }
    }

    @Test
    void refusesToReplaceAnythingButASocket() throws Exception {
        Path file = shortTempDir().resolve("csi.sock");
        Files.writeString(file, "precious");
        IOException e = assertThrows(IOException.class,
                () -> UnixSocketServer.start(file, List.of(), Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("precious", Files.readString(file));
    }
}
