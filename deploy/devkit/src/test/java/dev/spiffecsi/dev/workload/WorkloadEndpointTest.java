package dev.spiffecsi.dev.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadEndpointTest {

    @TempDir
    Path tempDir;

    @Test
    void aShortSocketPathIsUsedAsItIs() throws Exception {
        Path socket = tempDir.resolve("agent.sock");

        WorkloadEndpoint endpoint = WorkloadEndpoint.reach(socket, tempDir.resolve("link"));

        assertEquals(Optional.empty(), endpoint.alias());
        assertEquals("unix://" + socket, endpoint.address());
        assertFalse(Files.exists(tempDir.resolve("link"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aSocketPathOverTheUnixLimitIsReachedThroughAShortLinkToItsDirectory() throws Exception {
        Path directory = Files.createDirectories(tempDir.resolve("x".repeat(60)).resolve("y".repeat(60)));
        Path socket = directory.resolve("agent.sock");
        Path link = tempDir.resolve("l");

        WorkloadEndpoint endpoint = WorkloadEndpoint.reach(socket, link);

        assertEquals("unix://" + link.resolve("agent.sock"), endpoint.address());
        assertTrue(endpoint.address().length() - "unix://".length() <= WorkloadEndpoint.MAX_SOCKET_PATH_BYTES);
        assertEquals(directory, Files.readSymbolicLink(link));
        endpoint.removeAlias();
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS));
    }
}
