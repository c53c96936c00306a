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
import dev.spiffecsi.spi.ResolvedTarget;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.contract.ContractFixture;
import dev.spiffecsi.spi.contract.Privileges;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real kernel behaviour beyond the contract: read-only enforcement, rollback, stacked mounts. */
class BindMountBackendTest {

    @TempDir
    Path tempDir;

    private final MountSyscalls mounts = new JnaMountSyscalls();
    private ContractFixture fixture;
    private Backend backend;

    @BeforeEach
    void setUp() throws Exception {
        Privileges.assumeCanMountPrivately();
        fixture = new ContractFixture(tempDir);
        backend = newBackend(mounts);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (fixture != null) {
            fixture.close();
        }
    }

    private Backend newBackend(MountSyscalls syscalls) throws IOException {
        return new BindMountProvider()
                .create(
                        new MapBackendConfig("spiffe-csi.backends.bindmount", Map.of("unmount-busy-timeout", "200ms")),
                        fixture.context(fixture.socketDir(), syscalls, BindMountProvider.NAME));
    }

    private static PublishRequest request(Path target) {
        return new PublishRequest("vol-1", target, true, new PodInfo("p", "default", "uid", "sa"), Map.of());
    }

    @Test
    void thePublishedDirectoryIsReadOnlyNoSuidNoDevNoExec() throws Exception {
        Path target = fixture.newTarget();
        backend.publish(request(target));
        try {
            FileSystemException e =
                    assertThrows(FileSystemException.class, () -> Files.createFile(target.resolve("planted")));
            assertTrue(e.getMessage().contains("Read-only file system"), e.getMessage());
            assertFalse(Files.exists(fixture.socketDir().resolve("planted")));

            String options = mountOptions(target);
            for (String option : new String[] {"ro", "nosuid", "nodev", "noexec"}) {
                assertTrue(options.matches("(^|.*,)" + option + "(,.*|$)"), option + " missing in " + options);
            }
        } finally {
            backend.unpublish(new UnpublishRequest("vol-1", target));
        }
    }

    @Test
    void aFailedReadOnlyRemountUndoesTheBind() throws Exception {
        MountSyscalls failingRemount = new MountSyscalls() {
            @Override
            public void bindWithAttributes(Path source, Path target, long attributes) throws IOException {
                throw new ErrnoException("open_tree", source, ENOSYS, "an old kernel"); // forces bind + remount
            }

            @Override
            public void bindWithAttributes(Path source, ResolvedTarget target, long attributes) throws IOException {
                throw new ErrnoException("open_tree", source, ENOSYS, "an old kernel"); // forces bind + remount
            }

            @Override
            public ResolvedTarget resolveBeneath(Path root, Path target) throws IOException {
                return mounts.resolveBeneath(root, target);
            }

            @Override
            public long mountFlags(Path path) throws IOException {
                return mounts.mountFlags(path);
            }

            @Override
            public void mount(String source, Path target, String fsType, long flags, String data) throws IOException {
                if ((flags & MS_REMOUNT) != 0) {
                    throw new ErrnoException("mount", target, EPERM, "injected failure");
                }
                mounts.mount(source, target, fsType, flags, data);
            }

            @Override
            public void umount2(Path target, int flags) throws IOException {
                mounts.umount2(target, flags);
            }

            @Override
            public FileStatus stat(Path path) throws IOException {
                return mounts.stat(path);
            }
        };
        Backend failing = newBackend(failingRemount);
        Path target = fixture.newTarget();

        BackendException e = assertThrows(BackendException.class, () -> failing.publish(request(target)));

        assertEquals(BackendException.Failure.INTERNAL, e.failure());
        assertFalse(mounts.stat(target).mountRoot(), "a writable bind mount was left behind");
    }

    @Test
    void everyPropagatedCopyOfThePublishedMountIsReadOnlyToo() throws Exception {
        // the kubelet pods directory is a shared mount (Bidirectional in the driver's pod); peer is its host copy
        Path pods = fixture.podsDir();
        mounts.mount(pods.toString(), pods, null, MountSyscalls.MS_BIND, null);
        mounts.mount(null, pods, null, MountSyscalls.MS_SHARED, null);
        Path peer = Files.createDirectory(tempDir.resolve("host-view-of-pods"));
        mounts.mount(pods.toString(), peer, null, MountSyscalls.MS_BIND, null);
        try {
            Path target = fixture.newTarget();
            backend.publish(request(target));
            Path copy = peer.resolve(pods.relativize(target));

            assertTrue(mounts.stat(copy).mountRoot(), "the mount propagated to the peer");
            long readOnly = MountSyscalls.ST_RDONLY
                    | MountSyscalls.ST_NOSUID
                    | MountSyscalls.ST_NODEV
                    | MountSyscalls.ST_NOEXEC;
            assertEquals(readOnly, mounts.mountFlags(copy) & readOnly, "the propagated copy is read-only too");
            FileSystemException e = assertThrows(
                    FileSystemException.class, () -> Files.delete(copy.resolve(ContractFixture.SOCKET_NAME)));
            assertTrue(e.getMessage().contains("Read-only file system"), e.getMessage());

            backend.unpublish(new UnpublishRequest("vol-1", target));
            assertFalse(mounts.stat(copy).mountRoot(), "the unmount propagated too");
        } finally {
            mounts.umount2(peer, MountSyscalls.MNT_DETACH);
            mounts.umount2(pods, MountSyscalls.MNT_DETACH);
        }
    }

    @Test
    void aWritableBindOfTheAgentDirectoryIsBrokenAndARepublishMakesItReadOnly() throws Exception {
        Path target = fixture.newTarget();
        mounts.mount(fixture.socketDir().toString(), target, null, MountSyscalls.MS_BIND, null); // as spiffe-csi does
        assertEquals(TargetState.BROKEN, backend.inspect(target));
        assertTrue(backend.condition(target).abnormal());

        backend.publish(request(target));

        assertEquals(TargetState.PUBLISHED, backend.inspect(target));
        assertEquals(MountSyscalls.ST_RDONLY, mounts.mountFlags(target) & MountSyscalls.ST_RDONLY);
        backend.unpublish(new UnpublishRequest("vol-1", target));
        assertFalse(mounts.stat(target).mountRoot(), "the writable bind was replaced, not stacked under");
    }

    @Test
    void unpublishRemovesStackedMountsLeftByOlderDrivers() throws Exception {
        Path target = fixture.newTarget();
        for (int i = 0; i < 3; i++) {
            mounts.mount(fixture.socketDir().toString(), target, null, MountSyscalls.MS_BIND, null);
        }
        assertEquals(TargetState.BROKEN, backend.inspect(target), "writable binds, as spiffe-csi made them");

        backend.unpublish(new UnpublishRequest("vol-1", target));

        assertEquals(TargetState.ABSENT, backend.inspect(target));
        assertFalse(mounts.stat(target).mountRoot());
    }

    /** Credential files are the fuse-proxy backend's: asking a bind mount for them fails, naming the attribute. */
    @Test
    void aMountKeptBusyIsUnavailableAndNeverDetached() throws Exception {
        Path target = fixture.newTarget();
        backend.publish(request(target));
        // an open directory on the mount keeps it busy, as a pod's process still inside it does
        try (DirectoryStream<Path> open = Files.newDirectoryStream(target)) {
            BackendException e = assertThrows(
                    BackendException.class, () -> backend.unpublish(new UnpublishRequest("vol-1", target)));
            assertEquals(BackendException.Failure.UNAVAILABLE, e.failure());
            assertEquals(target + " is busy (EBUSY) after PT0.2S; will be retried", e.getMessage());
            assertTrue(mounts.stat(target).mountRoot(), "still mounted, not detached");
        }
        backend.unpublish(new UnpublishRequest("vol-1", target));
        assertFalse(mounts.stat(target).mountRoot());
    }

    @Test
    void askingForCredentialFilesIsRefusedNamingTheAttributeAndMountsNothing() throws Exception {
        Path target = fixture.newTarget();
        PublishRequest files = new PublishRequest(
                "vol-1",
                target,
                true,
                new PodInfo("p", "default", "uid", "sa"),
                Map.of("csi.storage.k8s.io/ephemeral", "true", "csi.spiffe.io/contents", "files"));

        BackendException e = assertThrows(BackendException.class, () -> backend.publish(files));

        assertEquals(BackendException.Failure.INVALID_REQUEST, e.failure());
        assertTrue(e.getMessage().contains("\"csi.spiffe.io/contents\""), e.getMessage());
        assertFalse(mounts.stat(target).mountRoot());
    }

    @Test
    void publishWithoutTheAgentDirectoryIsUnavailableAndMountsNothing() throws Exception {
        Files.delete(fixture.socketDir().resolve(ContractFixture.SOCKET_NAME));
        Files.delete(fixture.socketDir());
        Path target = fixture.newTarget();

        BackendException e = assertThrows(BackendException.class, () -> backend.publish(request(target)));

        assertEquals(BackendException.Failure.UNAVAILABLE, e.failure());
        assertFalse(mounts.stat(target).mountRoot());
        Files.createDirectories(fixture.socketDir()); // so that the fixture can clean up
    }

    @Test
    void aSocketDirectoryDeletedOnTheNodeIsNotReadyRefusesPublishesAndItsVolumesAreAbnormal() throws Exception {
        // the node's directory, and the driver container's hostPath view of it, which is a bind mount
        Path nodeDir = Files.createDirectory(tempDir.resolve("node-agent-sockets"));
        Path driverView = Files.createDirectory(tempDir.resolve("driver-view"));
        mounts.mount(nodeDir.toString(), driverView, null, MountSyscalls.MS_BIND, null);
        Backend viewing = new BindMountProvider()
                .create(
                        new MapBackendConfig("spiffe-csi.backends.bindmount", Map.of("unmount-busy-timeout", "200ms")),
                        fixture.context(driverView, mounts, BindMountProvider.NAME));
        Path published = fixture.newTarget();
        try {
            viewing.publish(request(published));
            assertTrue(viewing.health().ready());
            assertFalse(viewing.condition(published).abnormal());

            Files.delete(nodeDir); // rm -rf of the agent's socket directory on the node; the view keeps it

            assertTrue(mounts.stat(driverView).deleted());
            assertFalse(viewing.health().ready(), "the liveness probe must restart the driver's container");
            assertTrue(
                    viewing.health().message().contains("was deleted on the node"),
                    viewing.health().message());
            assertTrue(viewing.condition(published).abnormal());
            assertTrue(
                    viewing.condition(published).message().contains("recreate the pod"),
                    viewing.condition(published).message());
            Path another = fixture.newTarget();
            BackendException refused = assertThrows(BackendException.class, () -> viewing.publish(request(another)));
            assertEquals(BackendException.Failure.UNAVAILABLE, refused.failure());
            assertFalse(mounts.stat(another).mountRoot(), "no pod gets a bind of the dead directory");
        } finally {
            viewing.unpublish(new UnpublishRequest("vol-1", published, true));
            mounts.umount2(driverView, 0);
        }
    }

    @Test
    void aRecordedMountWhoseSourceNoLongerMatchesIsStillUnmounted() throws Exception {
        Path target = fixture.newTarget();
        Path oldAgentDir = Files.createDirectory(tempDir.resolve("old-agent-dir"));
        mounts.mount(oldAgentDir.toString(), target, null, MountSyscalls.MS_BIND, null);
        assertEquals(TargetState.FOREIGN, backend.inspect(target));

        backend.unpublish(new UnpublishRequest("vol-1", target, true));

        assertFalse(mounts.stat(target).mountRoot());
    }

    private static String mountOptions(Path target) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (fields[4].equals(target.toString())) {
                return fields[5];
            }
        }
        throw new AssertionError(target + " is not in /proc/self/mountinfo");
    }
}
