package dev.spiffecsi.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.config.ConfigLoader;
import dev.spiffecsi.config.ConfigSources;
import dev.spiffecsi.engine.backend.BackendRegistry;
import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.engine.testing.FakeBackend;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendConfig;
import dev.spiffecsi.spi.BackendProvider;
import dev.spiffecsi.spi.EngineContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriverStartTest {

    @TempDir
    Path root;

    /** A provider of {@link FakeBackend}s, registered by hand. */
    static final class FakeProvider implements BackendProvider {
        @Override
        public String name() {
            return "fake";
        }

        @Override
        public Backend create(BackendConfig config, EngineContext context) {
            return new FakeBackend();
        }
    }

    @Test
    void anUnusableStateDirectoryFallsBackToTheCsiSocketsDirectory() throws Exception {
        Path notADirectory = Files.writeString(root.resolve("file"), "x"); // like a read-only root file system
        Path socket = Files.createTempDirectory("ds").resolve("csi.sock"); // short: Unix socket path limit
        var config = ConfigLoader.load(new ConfigSources(
                Map.of(
                        "spiffe-csi.node-id", "n1",
                        "spiffe-csi.backend", "fake",
                        "spiffe-csi.csi-socket-path", socket.toString(),
                        "spiffe-csi.workload-api-socket-dir", root.toString(),
                        "spiffe-csi.kubelet-pods-dir",
                                Files.createDirectories(root.resolve("pods")).toString(),
                        "spiffe-csi.state-dir", notADirectory.resolve("state").toString()),
                Map.of(),
                Optional.empty(),
                getClass().getClassLoader()));

        try (Driver driver = Driver.start(
                config,
                BackendRegistry.of(List.of(new FakeProvider())),
                "test",
                new JnaMountSyscalls(),
                Clock.systemUTC())) {
            Path records = socket.getParent().resolve("spiffe-csi-state/volumes");
            assertTrue(Files.isDirectory(records), "records kept beside the CSI socket");
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(records)));
            assertTrue(Files.exists(socket));
        }
    }
}
