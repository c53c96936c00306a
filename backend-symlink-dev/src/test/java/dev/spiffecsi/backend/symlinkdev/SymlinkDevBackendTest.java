package dev.spiffecsi.backend.symlinkdev;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.BackendException.Failure;
import dev.spiffecsi.spi.EngineContext;
import dev.spiffecsi.spi.MapBackendConfig;
import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.VolumeCondition;
import dev.spiffecsi.spi.contract.ContractFixture;
import dev.spiffecsi.spi.contract.FakeAgentSocket;
import dev.spiffecsi.spi.contract.RecordingLogger;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SymlinkDevBackendTest {

    private static final String SECTION = "spiffe-csi.backends.symlink-dev";

    @TempDir
    Path tempDir;

    private ContractFixture fixture;
    private final RecordingLogger logger = new RecordingLogger();

    @BeforeEach
    void setUp() throws IOException {
        fixture = new ContractFixture(tempDir);
    }

    @AfterEach
    void tearDown() throws IOException {
        fixture.close();
    }

    private Backend create(String hostSocketDir, Path workloadApiSocketDir) {
        EngineContext context = new EngineContext(
                "test-node",
                "csi.spiffe.io",
                workloadApiSocketDir,
                fixture.podsDir(),
                fixture.stateDir(),
                Clock.systemUTC(),
                new NoMountSyscalls(),
                logger);
        return new SymlinkDevProvider()
                .create(new MapBackendConfig(SECTION, Map.of("host-socket-dir", hostSocketDir)), context);
    }

    private Backend create() {
        return create("", fixture.socketDir());
    }

    private static PublishRequest publishRequest(Path target) {
        return new PublishRequest(
                "vol-1", target, true, new PodInfo("workload", "default", "uid", "default"), Map.of());
    }

    private static List<String> listing(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(Path::toString).sorted().toList();
        }
    }

    @Test
    void publishReplacesTheTargetDirectoryWithALinkToTheSocketDirectory() throws IOException {
        Path target = fixture.newTarget();
        create().publish(publishRequest(target));

        assertTrue(Files.isSymbolicLink(target));
        assertEquals(fixture.socketDir(), Files.readSymbolicLink(target));
    }

    /**
     * Reaches the agent through the published link. The connection goes through a short alias of the target
     * because the fixture's own target paths exceed the 107 bytes a Unix socket path may have.
     */
    @Test
    void theAgentSocketAnswersThroughThePublishedLink() throws IOException {
        Path target = fixture.newTarget();
        create().publish(publishRequest(target));
        Path alias = Files.createSymbolicLink(tempDir.resolve("t"), target);

        assertEquals(FakeAgentSocket.GREETING, FakeAgentSocket.greetingAt(alias.resolve(ContractFixture.SOCKET_NAME)));
    }

    @Test
    void nonEmptyDirectoryIsRefusedAndLeftIntact() throws IOException {
        Backend backend = create();
        Path target = fixture.newTarget();
        Path content = Files.writeString(target.resolve("data"), "keep me");

        assertEquals(TargetState.FOREIGN, backend.inspect(target));
        BackendException e = assertThrows(BackendException.class, () -> backend.publish(publishRequest(target)));

        assertEquals(Failure.TARGET_OCCUPIED, e.failure());
        assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
        assertEquals("keep me", Files.readString(content));
        assertThrows(BackendException.class, () -> backend.unpublish(new UnpublishRequest("vol-1", target)));
        assertEquals("keep me", Files.readString(content));
    }

    @Test
    void regularFileIsRefusedAndLeftIntact() throws IOException {
        Backend backend = create();
        Path target = fixture.newTarget();
        Files.delete(target);
        Files.writeString(target, "a file");

        BackendException e = assertThrows(BackendException.class, () -> backend.publish(publishRequest(target)));

        assertEquals(Failure.TARGET_OCCUPIED, e.failure());
        assertEquals("a file", Files.readString(target));
    }

    @Test
    void linkElsewhereIsRefusedAndLeftIntact() throws IOException {
        Backend backend = create();
        Path elsewhere = Files.createDirectory(tempDir.resolve("elsewhere"));
        Path target = fixture.newTarget();
        Files.delete(target);
        Files.createSymbolicLink(target, elsewhere);

        BackendException e = assertThrows(BackendException.class, () -> backend.publish(publishRequest(target)));

        assertEquals(Failure.TARGET_OCCUPIED, e.failure());
        assertEquals(elsewhere, Files.readSymbolicLink(target));
        VolumeCondition condition = backend.condition(target);
        assertTrue(condition.abnormal());
        assertTrue(condition.message().contains("not a link made by symlink-dev"), condition.message());
    }

    @Test
    void republishIsIdempotent() throws IOException {
        Backend backend = create();
        Path target = fixture.newTarget();
        PublishRequest request = publishRequest(target);

        backend.publish(request);
        assertDoesNotThrow(() -> backend.publish(request));

        assertEquals(TargetState.PUBLISHED, backend.inspect(target));
        assertEquals(fixture.socketDir(), Files.readSymbolicLink(target));
    }

    @Test
    void unpublishRemovesOnlyTheLinkNeverTheAgentDirectoryContents() throws IOException {
        Backend backend = create();
        Files.writeString(fixture.socketDir().resolve("other-file"), "agent's");
        List<String> before = listing(fixture.socketDir());
        Path target = fixture.newTarget();
        backend.publish(publishRequest(target));

        backend.unpublish(new UnpublishRequest("vol-1", target));
        backend.unpublish(new UnpublishRequest("vol-1", target));

        assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS));
        assertEquals(before, listing(fixture.socketDir()));
        assertEquals("agent's", Files.readString(fixture.socketDir().resolve("other-file")));
    }

    /** Credential files are the fuse-proxy backend's: asking a link for them fails, naming the attribute. */
    @Test
    void askingForCredentialFilesIsRefusedNamingTheAttributeAndLeavesTheTargetAlone() throws IOException {
        Backend backend = create();
        Path target = fixture.newTarget();
        PublishRequest files = new PublishRequest(
                "vol-1",
                target,
                true,
                new PodInfo("workload", "default", "uid", "default"),
                Map.of("csi.spiffe.io/file-layout", "spiffe"));

        BackendException e = assertThrows(BackendException.class, () -> backend.publish(files));

        assertEquals(Failure.INVALID_REQUEST, e.failure());
        assertTrue(e.getMessage().contains("\"csi.spiffe.io/file-layout\""), e.getMessage());
        assertTrue(Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS));
        assertEquals(List.of(), listing(target));
    }

    @Test
    void publishThatIsNotReadOnlyIsRefusedAndLeavesTheTargetAlone() throws IOException {
        Backend backend = create();
        Path target = fixture.newTarget();
        PublishRequest writable = new PublishRequest(
                "vol-1", target, false, new PodInfo("workload", "default", "uid", "default"), Map.of());

        BackendException e = assertThrows(BackendException.class, () -> backend.publish(writable));

        assertEquals(Failure.INVALID_REQUEST, e.failure());
        assertTrue(e.getMessage().contains("readonly"), e.getMessage());
        assertTrue(e.getMessage().contains("csi.readOnly: true"), e.getMessage());
        assertTrue(Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS));
        assertEquals(List.of(), listing(target));
    }

    /** After host-socket-dir changed, the old links are no longer recognized; the engine's record vouches for them. */
    @Test
    void recordedUnpublishDeletesALinkWithOtherTextWithoutFollowingIt() throws IOException {
        Path oldAgentDir = Files.createDirectory(tempDir.resolve("old-agent"));
        Files.writeString(oldAgentDir.resolve("agent.sock"), "agent's");
        Backend before = create("", oldAgentDir);
        Path target = fixture.newTarget();
        before.publish(publishRequest(target));
        Backend after = create();
        assertEquals(TargetState.FOREIGN, after.inspect(target));

        assertThrows(BackendException.class, () -> after.unpublish(new UnpublishRequest("vol-1", target)));
        assertTrue(Files.isSymbolicLink(target));
        after.unpublish(new UnpublishRequest("vol-1", target, true));

        assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS));
        assertEquals("agent's", Files.readString(oldAgentDir.resolve("agent.sock")));
    }

    @Test
    void recordedUnpublishStillRefusesWhatIsNotALink() throws IOException {
        Backend backend = create();
        Path target = fixture.newTarget();
        Path content = Files.writeString(target.resolve("data"), "keep me");

        BackendException e = assertThrows(
                BackendException.class, () -> backend.unpublish(new UnpublishRequest("vol-1", target, true)));

        assertEquals(Failure.TARGET_OCCUPIED, e.failure());
        assertEquals("keep me", Files.readString(content));
    }

    @Test
    void relativeHostSocketDirFailsCreateNamingTheKey() {
        BackendException e =
                assertThrows(BackendException.class, () -> create("run/spire/sockets", fixture.socketDir()));

        assertEquals(Failure.INVALID_CONFIG, e.failure());
        assertTrue(e.getMessage().contains(SECTION + ".host-socket-dir"), e.getMessage());
    }

    @Test
    void hostSocketDirDifferentFromTheDriversViewIsTheLinkText() throws IOException {
        Path hostPath = Path.of("/run/spire/agent-sockets");
        Backend backend = create(hostPath.toString(), fixture.socketDir());
        Path target = fixture.newTarget();

        backend.publish(publishRequest(target));

        assertEquals(hostPath, Files.readSymbolicLink(target));
        assertEquals(TargetState.PUBLISHED, backend.inspect(target));
        VolumeCondition condition = backend.condition(target);
        assertFalse(condition.abnormal(), condition.message());
        assertTrue(condition.message().contains(fixture.socketDir().toString()), condition.message());
    }

    @Test
    void aLinkToTheDriversViewIsForeignWhenTheHostPathDiffers() throws IOException {
        Backend backend = create("/run/spire/agent-sockets", fixture.socketDir());
        Path target = fixture.newTarget();
        Files.delete(target);
        Files.createSymbolicLink(target, fixture.socketDir());

        assertEquals(TargetState.FOREIGN, backend.inspect(target));
    }

    @Test
    void conditionReportsADanglingLink() throws IOException {
        Path agentDir = Files.createDirectory(tempDir.resolve("short-lived-agent"));
        Backend backend = create("", agentDir);
        Path target = fixture.newTarget();
        backend.publish(publishRequest(target));

        Files.delete(agentDir);

        VolumeCondition condition = backend.condition(target);
        assertTrue(condition.abnormal());
        assertTrue(condition.message().startsWith("dangling link"), condition.message());
    }

    @Test
    void publishIsUnavailableWhileTheSocketDirectoryIsMissingAndLeavesTheTargetAlone() throws IOException {
        Backend backend = create("", tempDir.resolve("no-agent-yet"));
        Path target = fixture.newTarget();

        BackendException e = assertThrows(BackendException.class, () -> backend.publish(publishRequest(target)));

        assertEquals(Failure.UNAVAILABLE, e.failure());
        assertTrue(Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS));
        assertEquals(List.of(), listing(target));
    }

    @Test
    void createWarnsOnceThatThereIsNoReadOnlyGuarantee() {
        create();

        assertEquals(1, logger.entries().size());
        RecordingLogger.Entry entry = logger.entries().getFirst();
        assertEquals(Level.WARNING, entry.level());
        assertTrue(entry.message().contains("read-only"), entry.message());
        assertTrue(entry.message().contains("development"), entry.message());
    }

    @Test
    void theUsageOfAVolumeIsTheSocketDirectorysAsTheDriverSeesIt() throws IOException {
        Backend backend = create("/run/spire/agent-sockets", fixture.socketDir());
        Path target = fixture.newTarget();
        // the link leads to the host path, which the driver's container does not see; its own view stands in
        assertEquals(fixture.socketDir(), backend.contentPath(target));
    }

    @Test
    void aSocketDirectoryDeletedOnTheNodeIsNotReady() throws Exception {
        dev.spiffecsi.spi.contract.Privileges.assumeCanMountPrivately();
        var mounts = new dev.spiffecsi.engine.os.JnaMountSyscalls();
        // the node's directory, and the driver container's hostPath view of it, which is a bind mount
        Path nodeDir = Files.createDirectory(tempDir.resolve("node-agent-sockets"));
        Path driverView = Files.createDirectory(tempDir.resolve("driver-view"));
        mounts.mount(nodeDir.toString(), driverView, null, dev.spiffecsi.spi.MountSyscalls.MS_BIND, null);
        try {
            Backend backend = create("/run/spire/agent-sockets", driverView);
            assertTrue(backend.health().ready());

            Files.delete(nodeDir); // rm -rf on the node; the container's view keeps the old, empty directory

            assertFalse(backend.health().ready(), "the liveness probe must restart the driver's container");
            assertTrue(
                    backend.health().message().contains("was deleted on the node"),
                    backend.health().message());
            BackendException refused =
                    assertThrows(BackendException.class, () -> backend.publish(publishRequest(fixture.newTarget())));
            assertEquals(Failure.UNAVAILABLE, refused.failure());
        } finally {
            mounts.umount2(driverView, 0);
        }
    }
}
