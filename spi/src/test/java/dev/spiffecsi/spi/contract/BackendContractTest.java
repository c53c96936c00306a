package dev.spiffecsi.spi.contract;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendConfig;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.BackendProvider;
import dev.spiffecsi.spi.EngineContext;
import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.VolumeCondition;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every backend owes the engine. A backend module extends this class in its tests (it ships in
 * the {@code spi} test-jar) and answers the abstract methods; third-party backends should do the same.
 */
public abstract class BackendContractTest {

    @TempDir
    protected Path tempDir;

    protected ContractFixture fixture;
    private Backend backend;
    private final java.util.List<Path> targets = new java.util.ArrayList<>();

    /** The provider under test. */
    protected abstract BackendProvider provider();

    /** The backend's configuration section for this fixture. */
    protected abstract BackendConfig config(ContractFixture fixture);

    /** The engine context for this fixture; {@code workloadApiSocketDir} may be missing on purpose. */
    protected abstract EngineContext context(ContractFixture fixture, Path workloadApiSocketDir) throws Exception;

    /** Puts something at {@code target} that this backend did not make and must never touch. */
    protected abstract void occupyWithForeignObject(Path target) throws Exception;

    /** Skip (with an assumption) when the environment cannot run this backend, e.g. no privilege to mount. */
    protected void assumeEnvironmentSupportsBackend() {}

    /** Removes whatever {@link #occupyWithForeignObject} put at the target. */
    protected abstract void removeForeignObject(Path target) throws Exception;

    @BeforeEach
    void setUpContract() throws Exception {
        assumeEnvironmentSupportsBackend();
        fixture = new ContractFixture(tempDir);
        backend = create(fixture.socketDir());
    }

    @AfterEach
    void tearDownContract() throws Exception {
        for (Path target : targets) {
            try {
                backend.unpublish(new UnpublishRequest("cleanup", target));
            } catch (RuntimeException e) {
                // the test's own assertions decide; this only keeps mounts from outliving the test
            }
        }
        if (backend != null) {
            backend.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    protected Backend create(Path workloadApiSocketDir) throws Exception {
        return provider().create(config(fixture), context(fixture, workloadApiSocketDir));
    }

    protected Backend backend() {
        return backend;
    }

    protected PublishRequest publishRequest(Path target) {
        targets.add(target);
        Map<String, String> context = Map.of(
                PodInfo.POD_NAME,
                "workload",
                PodInfo.POD_NAMESPACE,
                "default",
                PodInfo.POD_UID,
                target.getParent()
                        .getParent()
                        .getParent()
                        .getParent()
                        .getFileName()
                        .toString(),
                PodInfo.SERVICE_ACCOUNT,
                "default",
                "csi.storage.k8s.io/ephemeral",
                "true");
        return new PublishRequest(
                "csi-" + target.hashCode(), target, true, PodInfo.fromVolumeContext(context), context);
    }

    @Test
    void providerIsDiscoverableByServiceLoaderUnderItsName() {
        boolean found = ServiceLoader.load(BackendProvider.class).stream()
                .anyMatch(p -> p.type().equals(provider().getClass()));
        assertTrue(
                found,
                "META-INF/services/" + BackendProvider.class.getName() + " lists "
                        + provider().getClass().getName());
        assertTrue(provider().name().matches("[a-z0-9][a-z0-9-]*"), "name is lower-case, digits and dashes");
    }

    @Test
    void emptyTargetIsAbsent() throws Exception {
        assertEquals(TargetState.ABSENT, backend.inspect(fixture.newTarget()));
    }

    @Test
    void missingTargetIsAbsent() throws Exception {
        Path target = fixture.newTarget();
        Files.delete(target);
        assertEquals(TargetState.ABSENT, backend.inspect(target));
    }

    /**
     * Asserts that {@code socket}, the socket a pod finds in its volume, serves the Workload API. By default: it
     * is the fixture's fake agent socket itself. A backend that terminates the Workload API (a proxy) overrides
     * this with a real Workload API call.
     */
    protected void assertServesWorkloadApi(Path socket) throws Exception {
        assertEquals(FakeAgentSocket.GREETING, FakeAgentSocket.greetingAt(socket));
    }

    /**
     * The kubelet sends the pod's fsGroup as the volume mount group (the engine advertises VOLUME_MOUNT_GROUP) and
     * then changes no ownership itself. A backend may give the group to what it makes for the pod, but the agent's
     * socket directory and what is in it keep their owner, group and mode: they serve every pod of the node.
     */
    @Test
    void aVolumeMountGroupNeverChangesTheAgentsSocketDirectory() throws Exception {
        Map<Path, List<Object>> before = ownership(fixture.socketDir());
        Path target = fixture.newTarget();
        PublishRequest plain = publishRequest(target);

        backend.publish(new PublishRequest(
                plain.volumeId(), target, plain.readOnly(), plain.pod(), plain.volumeContext(), OptionalInt.of(4242)));

        assertEquals(TargetState.PUBLISHED, backend.inspect(target));
        assertServesWorkloadApi(target.resolve(ContractFixture.SOCKET_NAME));
        assertEquals(before, ownership(fixture.socketDir()));
    }

    /** The owner, group and mode of a directory and of each of its entries. */
    private static Map<Path, List<Object>> ownership(Path directory) throws Exception {
        Map<Path, List<Object>> ownership = new java.util.TreeMap<>();
        List<Path> paths = new java.util.ArrayList<>(List.of(directory));
        try (var entries = Files.list(directory)) {
            entries.forEach(paths::add);
        }
        for (Path path : paths) {
            ownership.put(
                    path,
                    List.of(
                            Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                            Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS),
                            Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS)));
        }
        return ownership;
    }

    @Test
    void publishMakesTheWorkloadApiReachableAtTheTarget() throws Exception {
        Path target = fixture.newTarget();
        backend.publish(publishRequest(target));

        assertEquals(TargetState.PUBLISHED, backend.inspect(target));
        assertServesWorkloadApi(target.resolve(ContractFixture.SOCKET_NAME));
        assertFalse(
                backend.condition(target).abnormal(),
                () -> backend.condition(target).message());
    }

    @Test
    void republishIsANoOpAndOneUnpublishUndoesIt() throws Exception {
        Path target = fixture.newTarget();
        PublishRequest request = publishRequest(target);
        backend.publish(request);
        backend.publish(request);

        assertEquals(TargetState.PUBLISHED, backend.inspect(target));
        backend.unpublish(new UnpublishRequest(request.volumeId(), target));
        assertEquals(TargetState.ABSENT, backend.inspect(target), "a second publish stacked another publication");
    }

    @Test
    void unpublishRemovesThePublicationAndLeavesTheAgentAlone() throws Exception {
        Path target = fixture.newTarget();
        PublishRequest request = publishRequest(target);
        backend.publish(request);

        backend.unpublish(new UnpublishRequest(request.volumeId(), target));

        assertEquals(TargetState.ABSENT, backend.inspect(target));
        assertFalse(Files.exists(target.resolve(ContractFixture.SOCKET_NAME), LinkOption.NOFOLLOW_LINKS));
        assertEquals(
                FakeAgentSocket.GREETING,
                FakeAgentSocket.greetingAt(fixture.socketDir().resolve(ContractFixture.SOCKET_NAME)),
                "the agent socket itself still works");
    }

    @Test
    void unpublishOfAMissingOrUnpublishedTargetSucceeds() throws Exception {
        Path empty = fixture.newTarget();
        assertDoesNotThrow(() -> backend.unpublish(new UnpublishRequest("vol-empty", empty)));

        Path missing = fixture.newTarget();
        Files.delete(missing);
        assertDoesNotThrow(() -> backend.unpublish(new UnpublishRequest("vol-missing", missing)));
    }

    @Test
    void foreignObjectsAreRecognizedAndNeverTouched() throws Exception {
        Path target = fixture.newTarget();
        occupyWithForeignObject(target);
        try {
            assertEquals(TargetState.FOREIGN, backend.inspect(target));
            BackendException e = assertThrows(
                    BackendException.class, () -> backend.unpublish(new UnpublishRequest("vol-foreign", target)));
            assertEquals(BackendException.Failure.TARGET_OCCUPIED, e.failure());
            assertEquals(TargetState.FOREIGN, backend.inspect(target), "the foreign object is still there");
        } finally {
            removeForeignObject(target);
        }
    }

    @Test
    void healthFollowsTheWorkloadApiSocketDirectory() throws Exception {
        assertTrue(backend.health().ready(), () -> backend.health().message());

        try (Backend withoutAgent = create(fixture.root().resolve("no-such-agent-dir"))) {
            assertFalse(withoutAgent.health().ready(), "ready although the socket directory is missing");
            assertFalse(withoutAgent.health().message().isBlank(), "a not-ready health says why");
        }
    }

    /**
     * A volume attribute no backend knows (a misspelling, say) is refused, naming it, before anything is published:
     * the engine then removes the empty target it prepared.
     */
    @Test
    void aVolumeAttributeTheBackendDoesNotUnderstandIsRefusedAndNothingIsPublished() throws Exception {
        Path target = fixture.newTarget();
        PublishRequest valid = publishRequest(target);
        Map<String, String> context = new java.util.HashMap<>(valid.volumeContext());
        context.put("example.com/no-such-attribute", "true");
        PublishRequest request = new PublishRequest(valid.volumeId(), target, true, valid.pod(), context);

        BackendException refused = assertThrows(BackendException.class, () -> backend.publish(request));

        assertEquals(BackendException.Failure.INVALID_REQUEST, refused.failure());
        assertTrue(refused.getMessage().contains("\"example.com/no-such-attribute\""), refused.getMessage());
        assertEquals(TargetState.ABSENT, backend.inspect(target), "nothing was published");
    }

    /** A pod-volume layout outside the pods directory, as a symlink swapped into a target's path would lead to. */
    private Path outsideTargetParent() throws Exception {
        return Files.createDirectories(fixture.root().resolve("outside/volumes/kubernetes.io~csi/spiffe"));
    }

    /** Whether anything is mounted at {@code path}, from the mount table (no statx in this module). */
    private static boolean isMountPoint(Path path) throws Exception {
        String wanted = path.toString();
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(line -> line.split(" ")[4])
                .anyMatch(wanted::equals);
    }

    /**
     * A parent of the target swapped for a symlink to a directory outside the pods directory after the engine
     * checked the path (here: before the call): the publish is refused, and nothing outside is mounted, replaced or
     * created. Backends resolve the target with {@link dev.spiffecsi.spi.MountSyscalls#resolveBeneath}.
     */
    @Test
    void aPublishThroughASymlinkedParentIsRefusedAndChangesNothingOutside() throws Exception {
        Path target = fixture.newTarget();
        Path outsideParent = outsideTargetParent();
        Path outsideTarget =
                Files.createDirectory(outsideParent.resolve(target.getFileName().toString()));
        Path parent = target.getParent();
        Files.move(parent, parent.resolveSibling("moved"));
        Files.createSymbolicLink(parent, outsideParent);

        assertThrows(BackendException.class, () -> backend.publish(publishRequest(target)));

        assertFalse(isMountPoint(outsideTarget), "mounted outside the pods directory");
        assertTrue(Files.isDirectory(outsideTarget, LinkOption.NOFOLLOW_LINKS), "replaced outside the pods directory");
        try (var entries = Files.list(outsideTarget)) {
            assertEquals(0, entries.count(), "created something outside the pods directory");
        }
    }

    /** A target that is itself a symlink to a directory elsewhere is never followed, by publish or unpublish. */
    @Test
    void aTargetThatIsASymlinkIsNeverFollowed() throws Exception {
        Path target = fixture.newTarget();
        Path outsideTarget = Files.createDirectory(outsideTargetParent().resolve("mount"));
        Files.delete(target);
        Files.createSymbolicLink(target, outsideTarget);

        assertThrows(BackendException.class, () -> backend.publish(publishRequest(target)));
        try {
            backend.unpublish(new UnpublishRequest("vol-link", target));
        } catch (BackendException refused) {
            // refusing is as good as leaving it alone
        }

        assertTrue(Files.isSymbolicLink(target), "the link at the target was removed or replaced");
        assertFalse(isMountPoint(outsideTarget), "mounted outside the pods directory");
        try (var entries = Files.list(outsideTarget)) {
            assertEquals(0, entries.count(), "created something outside the pods directory");
        }
    }

    @Test
    void conditionIsAbnormalWhenThePublicationIsGone() throws Exception {
        Path target = fixture.newTarget();
        PublishRequest request = publishRequest(target);
        backend.publish(request);
        backend.unpublish(new UnpublishRequest(request.volumeId(), target));

        VolumeCondition condition = backend.condition(target);
        assertTrue(condition.abnormal(), "condition of an unpublished target should be abnormal");
        assertFalse(condition.message().isBlank());
    }
}
