package dev.spiffecsi.backend.symlinkdev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.BackendException.Failure;
import dev.spiffecsi.spi.MapBackendConfig;
import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.contract.ContractFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A parent of the target swapped for a symlink to a directory outside the pods directory after the engine checked
 * the path: symlink-dev neither removes the directory there nor puts its link there, nor deletes a link there; and
 * a target that is itself a symlink is never followed.
 */
class SymlinkDevTargetSwapTest {

    @TempDir
    Path tempDir;

    private ContractFixture fixture;
    private Backend backend;
    private Path outsideParent;

    @BeforeEach
    void setUp() throws IOException {
        fixture = new ContractFixture(tempDir);
        backend = new SymlinkDevProvider()
                .create(
                        new MapBackendConfig("spiffe-csi.backends.symlink-dev", Map.of("host-socket-dir", "")),
                        fixture.context(fixture.socketDir(), new NoMountSyscalls(), SymlinkDevProvider.NAME));
        outsideParent = Files.createDirectories(tempDir.resolve("outside/volumes/kubernetes.io~csi/spiffe"));
    }

    @AfterEach
    void tearDown() throws IOException {
        fixture.close();
    }

    private static PublishRequest request(Path target) {
        return new PublishRequest("vol-1", target, true, new PodInfo("p", "default", "uid", "sa"), Map.of());
    }

    private void swapParent(Path target) throws IOException {
        Path parent = target.getParent();
        Files.move(parent, parent.resolveSibling("moved"));
        Files.createSymbolicLink(parent, outsideParent);
    }

    @Test
    void aPublishThroughASymlinkedParentIsRefusedAndChangesNothingOutside() throws IOException {
        Path target = fixture.newTarget();
        Path outsideTarget = Files.createDirectory(outsideParent.resolve("mount"));
        swapParent(target);

        BackendException refused = assertThrows(BackendException.class, () -> backend.publish(request(target)));

        assertEquals(Failure.INVALID_REQUEST, refused.failure());
        assertTrue(Files.isDirectory(outsideTarget, LinkOption.NOFOLLOW_LINKS), "the directory outside was replaced");
    }

    @Test
    void anUnpublishThroughASymlinkedParentIsRefusedAndLeavesTheLinkOutside() throws IOException {
        Path target = fixture.newTarget();
        backend.publish(request(target));
        Path outsideLink = Files.createSymbolicLink(outsideParent.resolve("mount"), fixture.socketDir());
        swapParent(target);

        BackendException refused = assertThrows(
                BackendException.class, () -> backend.unpublish(new UnpublishRequest("vol-1", target, true)));

        assertEquals(Failure.INVALID_REQUEST, refused.failure());
        assertTrue(Files.isSymbolicLink(outsideLink), "the link outside was deleted");
    }

    @Test
    void aTargetThatIsASymlinkIsNeverFollowed() throws IOException {
        Path target = fixture.newTarget();
        Path outsideTarget = Files.createDirectory(outsideParent.resolve("mount"));
        Files.delete(target);
        Files.createSymbolicLink(target, outsideTarget);

        assertEquals(
                Failure.TARGET_OCCUPIED,
                assertThrows(BackendException.class, () -> backend.publish(request(target)))
                        .failure());
        assertEquals(
                Failure.TARGET_OCCUPIED,
                assertThrows(
                                BackendException.class,
                                () -> backend.unpublish(new UnpublishRequest("vol-1", target, false)))
                        .failure());

        assertTrue(Files.isSymbolicLink(target));
        assertTrue(Files.isDirectory(outsideTarget, LinkOption.NOFOLLOW_LINKS));
        try (var entries = Files.list(outsideTarget)) {
            assertEquals(0, entries.count());
        }
    }
}
