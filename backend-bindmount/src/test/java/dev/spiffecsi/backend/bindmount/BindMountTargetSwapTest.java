package dev.spiffecsi.backend.bindmount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.MapBackendConfig;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.contract.ContractFixture;
import dev.spiffecsi.spi.contract.Privileges;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A component of the target swapped for a symlink to a directory outside the pods directory, after the backend
 * checked the target and before it mounts or unmounts (or before the call): nothing outside is ever mounted or
 * unmounted, with the new mount API and with mount(2), which follows a final symlink.
 */
class BindMountTargetSwapTest {

    @TempDir
    Path tempDir;

    private final MountSyscalls real = new JnaMountSyscalls();
    private final InterceptingMountSyscalls mounts = new InterceptingMountSyscalls();
    private final List<Path> toUnmount = new ArrayList<>();
    private ContractFixture fixture;
    private Backend backend;
    private Path outsideParent;
    private Path outsideTarget;

    @BeforeEach
    void setUp() throws Exception {
        Privileges.assumeCanMountPrivately();
        fixture = new ContractFixture(tempDir);
        backend = new BindMountProvider()
                .create(
                        new MapBackendConfig("spiffe-csi.backends.bindmount", Map.of("unmount-busy-timeout", "200ms")),
                        fixture.context(fixture.socketDir(), mounts, BindMountProvider.NAME));
        outsideParent = Files.createDirectories(tempDir.resolve("outside/volumes/kubernetes.io~csi/spiffe"));
        outsideTarget = Files.createDirectory(outsideParent.resolve("mount"));
    }

    @AfterEach
    void tearDown() throws IOException {
        for (Path path : toUnmount.reversed()) {
            try {
                real.umount2(path, MountSyscalls.UMOUNT_NOFOLLOW | MountSyscalls.MNT_DETACH);
            } catch (IOException e) {
                // not mounted: what the test wanted
            }
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    private static PublishRequest request(Path target) {
        return new PublishRequest("vol-1", target, true, new PodInfo("p", "default", "uid", "sa"), Map.of());
    }

    /** The target's parent moved aside, a symlink to the outside layout in its place; returns where it went. */
    private Path swapParent(Path target) {
        Path parent = target.getParent();
        Path moved = parent.resolveSibling("moved");
        try {
            Files.move(parent, moved);
            Files.createSymbolicLink(parent, outsideParent);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return moved.resolve(target.getFileName());
    }

    private boolean isMountRoot(Path path) throws IOException {
        return real.stat(path).mountRoot();
    }

    @ParameterizedTest(name = "old kernel: {0}")
    @ValueSource(booleans = {false, true})
    void aParentSwappedAfterTheCheckGetsNoMountOutside(boolean oldKernel) throws Exception {
        if (oldKernel) {
            mounts.actAsAnOldKernel();
        }
        Path target = fixture.newTarget();
        Path[] moved = new Path[1];
        mounts.afterNextStat(() -> moved[0] = swapParent(target));
        toUnmount.add(outsideTarget);

        backend.publish(request(target));

        assertFalse(isMountRoot(outsideTarget), "the bind mount landed outside the pods directory");
        toUnmount.add(moved[0]);
        assertTrue(isMountRoot(moved[0]), "the bind mount is on the directory that was resolved");
    }

    @ParameterizedTest(name = "old kernel: {0}")
    @ValueSource(booleans = {false, true})
    void aTargetSwappedForASymlinkAfterTheCheckIsNotFollowed(boolean oldKernel) throws Exception {
        if (oldKernel) {
            mounts.actAsAnOldKernel();
        }
        Path target = fixture.newTarget();
        mounts.afterNextStat(() -> {
            try {
                Files.delete(target);
                Files.createSymbolicLink(target, outsideTarget);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        toUnmount.add(outsideTarget);

        assertThrows(BackendException.class, () -> backend.publish(request(target)));

        assertFalse(isMountRoot(outsideTarget), "the bind mount followed the symlink out of the pods directory");
        assertTrue(Files.isSymbolicLink(target));
    }

    @Test
    void anUnpublishThroughASymlinkedParentIsRefusedAndLeavesTheMountOutside() throws Exception {
        Path target = fixture.newTarget();
        backend.publish(request(target));
        real.bindWithAttributes(
                fixture.socketDir(),
                outsideTarget,
                MountSyscalls.MOUNT_ATTR_RDONLY
                        | MountSyscalls.MOUNT_ATTR_NOSUID
                        | MountSyscalls.MOUNT_ATTR_NODEV
                        | MountSyscalls.MOUNT_ATTR_NOEXEC);
        toUnmount.add(outsideTarget);
        toUnmount.add(swapParent(target));

        BackendException refused = assertThrows(
                BackendException.class, () -> backend.unpublish(new UnpublishRequest("vol-1", target, true)));

        assertEquals(BackendException.Failure.INVALID_REQUEST, refused.failure());
        assertTrue(isMountRoot(outsideTarget), "the mount outside the pods directory was unmounted");
    }

    @Test
    void aParentSwappedAfterTheUnpublishCheckUnmountsOnlyTheResolvedTarget() throws Exception {
        Path target = fixture.newTarget();
        backend.publish(request(target));
        real.bindWithAttributes(
                fixture.socketDir(),
                outsideTarget,
                MountSyscalls.MOUNT_ATTR_RDONLY
                        | MountSyscalls.MOUNT_ATTR_NOSUID
                        | MountSyscalls.MOUNT_ATTR_NODEV
                        | MountSyscalls.MOUNT_ATTR_NOEXEC);
        toUnmount.add(outsideTarget);
        Path[] moved = new Path[1];
        mounts.afterNextStat(() -> moved[0] = swapParent(target));

        backend.unpublish(new UnpublishRequest("vol-1", target, true));

        assertTrue(isMountRoot(outsideTarget), "the mount outside the pods directory was unmounted");
        toUnmount.add(moved[0]);
        assertFalse(isMountRoot(moved[0]), "the resolved target is still mounted");
    }

    @Test
    void aTargetThatIsASymlinkIsNeitherPublishedNorUnpublishedThrough() throws Exception {
        Path target = fixture.newTarget();
        Files.delete(target);
        Files.createSymbolicLink(target, outsideTarget);
        real.bindWithAttributes(
                fixture.socketDir(),
                outsideTarget,
                MountSyscalls.MOUNT_ATTR_RDONLY
                        | MountSyscalls.MOUNT_ATTR_NOSUID
                        | MountSyscalls.MOUNT_ATTR_NODEV
                        | MountSyscalls.MOUNT_ATTR_NOEXEC);
        toUnmount.add(outsideTarget);

        assertThrows(BackendException.class, () -> backend.publish(request(target)));
        assertThrows(BackendException.class, () -> backend.unpublish(new UnpublishRequest("vol-1", target, true)));

        assertTrue(isMountRoot(outsideTarget));
        try (var entries = Files.list(outsideTarget)) {
            assertEquals(1, entries.count(), "the mount outside shows the agent's socket still");
        }
    }

    /**
     * A published target unmounted and removed by someone else between the backend's stat and its statvfs: the call
     * is answered as retryable (UNAVAILABLE), not as a host failure (INTERNAL), and the next one sees the new state.
     */
    @Test
    void aTargetThatVanishesDuringTheInspectionIsUnavailableNotInternal() throws Exception {
        Path target = fixture.newTarget();
        backend.publish(request(target));
        mounts.afterNextStat(() -> {
            try {
                real.umount2(target, MountSyscalls.UMOUNT_NOFOLLOW | MountSyscalls.MNT_DETACH);
                Files.delete(target);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });

        BackendException e = assertThrows(BackendException.class, () -> backend.inspect(target));

        assertEquals(BackendException.Failure.UNAVAILABLE, e.failure(), e.getMessage());
        assertTrue(e.getMessage().contains("changed while it was inspected"), e.getMessage());
        assertEquals(dev.spiffecsi.spi.TargetState.ABSENT, backend.inspect(target));
    }
}
