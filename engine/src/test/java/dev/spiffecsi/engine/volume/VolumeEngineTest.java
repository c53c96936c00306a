package dev.spiffecsi.engine.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.engine.state.StateStore;
import dev.spiffecsi.engine.state.VolumeRecord;
import dev.spiffecsi.engine.testing.EngineFixture;
import dev.spiffecsi.engine.testing.FakeBackend;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.VolumeCondition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's decisions, called directly rather than through gRPC: what it does for each state the backend finds
 * at a target (absent, published, foreign, broken) with and without a record, when a republish is incompatible,
 * and when the state directory cannot record a publication. The {@link FakeBackend} stands for the backend; the
 * records are read from the engine's own {@link StateStore} and, where persistence matters, from the disk.
 */
class VolumeEngineTest {

    @TempDir
    Path root;

    private Path pods;
    private Path stateDir;
    private StateStore state;
    private final FakeBackend backend = new FakeBackend();
    private VolumeEngine engine;

    @BeforeEach
    void setUp() throws IOException {
        pods = Files.createDirectories(root.resolve("pods"));
        stateDir = Files.createDirectories(root.resolve("state"));
        state = StateStore.open(stateDir, pods);
        engine = new VolumeEngine(
                new RequestValidator(new TargetPathPolicy(pods), false), state, backend, "fake", Clock.systemUTC());
    }

    /** A kubelet target of pod {@value EngineFixture#POD_UID}, its parent created as the kubelet leaves it. */
    private Path newTarget() throws IOException {
        Path parent = pods.resolve(EngineFixture.POD_UID)
                .resolve("volumes/kubernetes.io~csi")
                .resolve(UUID.randomUUID().toString());
        return Files.createDirectories(parent).resolve("mount");
    }

    private static Map<String, String> podContext() {
        return Map.of(
                "csi.storage.k8s.io/ephemeral",
                "true",
                "csi.storage.k8s.io/pod.name",
                "workload",
                "csi.storage.k8s.io/pod.namespace",
                "default",
                "csi.storage.k8s.io/pod.uid",
                EngineFixture.POD_UID,
                "csi.storage.k8s.io/serviceAccount.name",
                "default");
    }

    private static PublishCommand publish(String volumeId, Path target, boolean readOnly, Map<String, String> context) {
        return new PublishCommand(
                volumeId,
                target.toString(),
                "",
                new PublishCommand.Capability(
                        PublishCommand.AccessType.MOUNT, "", List.of(), PublishCommand.AccessMode.SINGLE_NODE_WRITER),
                readOnly,
                context);
    }

    private static PublishCommand publish(String volumeId, Path target) {
        return publish(volumeId, target, true, podContext());
    }

    private static VolumeException refusal(VolumeException.Reason expected, Runnable call) {
        VolumeException e = assertThrows(VolumeException.class, call::run);
        assertEquals(expected, e.reason(), e.getMessage());
        return e;
    }

    /** The volume id the record at {@code target} names, as the engine holds it and as the disk has it. */
    private Optional<String> recordedVolume(Path target) throws IOException {
        Optional<String> held = state.get(target).map(VolumeRecord::volumeId);
        Optional<String> onDisk = StateStore.open(stateDir, pods).get(target).map(VolumeRecord::volumeId);
        assertEquals(held, onDisk, "the record the engine holds is the one on disk");
        return held;
    }

    /** A record of {@code volumeId} at {@code target} in the engine's store, as an earlier publish would leave. */
    private void recordOnly(String volumeId, Path target) {
        state.put(new VolumeRecord(volumeId, target.toString(), "fake", true, podContext(), Instant.now()));
    }

    /** What the fake backend leaves at a target it published: a directory holding its marker. */
    private static void publishedOutsideTheEngine(Path target, String volumeId) throws IOException {
        Files.createDirectory(target);
        Files.writeString(target.resolve(FakeBackend.MARKER), volumeId);
    }

    @Test
    void anAbsentTargetIsCreatedPublishedAndRecorded() throws Exception {
        Path target = newTarget();

        engine.publish(publish("vol-1", target));

        assertTrue(Files.isDirectory(target), "the engine creates the target directory");
        assertEquals("vol-1", Files.readString(target.resolve(FakeBackend.MARKER)));
        assertEquals(1, backend.publishCalls());
        assertEquals(Optional.of("vol-1"), recordedVolume(target));
        assertEquals(1, engine.publishedVolumes());
    }

    @Test
    void aRepublishOfAPublishedTargetSucceedsWithoutPublishingAgain() throws Exception {
        Path target = newTarget();
        engine.publish(publish("vol-1", target));

        engine.publish(publish("vol-1", target));

        assertEquals(1, backend.publishCalls(), "the backend was asked to publish a published volume again");
        assertEquals(Optional.of("vol-1"), recordedVolume(target));
    }

    /** A publication without a record (the Go driver keeps none) would otherwise never be resumed nor unpublished. */
    @Test
    void aPublishedTargetWithoutARecordIsAdoptedWithoutPublishingAgain() throws Exception {
        Path target = newTarget();
        publishedOutsideTheEngine(target, "vol-1");

        engine.publish(publish("vol-1", target));

        assertEquals(0, backend.publishCalls());
        assertEquals(Optional.of("vol-1"), recordedVolume(target));
    }

    @Test
    void aBrokenPublicationIsRepairedByPublishingAgain() throws Exception {
        Path target = newTarget();
        engine.publish(publish("vol-1", target));
        Files.writeString(target.resolve(FakeBackend.BROKEN), "");

        engine.publish(publish("vol-1", target));

        assertEquals(2, backend.publishCalls());
        assertFalse(Files.exists(target.resolve(FakeBackend.BROKEN)), "the publication is still broken");
        assertEquals(Optional.of("vol-1"), recordedVolume(target));
    }

    @Test
    void aForeignTargetWithoutARecordIsAlreadyExistsAndLeftUntouched() throws Exception {
        Path target = newTarget();
        Files.createDirectory(target);
        Files.writeString(target.resolve(FakeBackend.FOREIGN), "precious");

        refusal(VolumeException.Reason.ALREADY_EXISTS, () -> engine.publish(publish("vol-1", target)));

        assertEquals("precious", Files.readString(target.resolve(FakeBackend.FOREIGN)));
        assertFalse(Files.exists(target.resolve(FakeBackend.MARKER)));
        assertEquals(0, backend.publishCalls());
        assertEquals(Optional.empty(), recordedVolume(target));
    }

    /** The record says the volume is here, the backend no longer recognizes it: a stale publication of ours. */
    @Test
    void aForeignTargetWithThisVolumesRecordIsRepublished() throws Exception {
        Path target = newTarget();
        engine.publish(publish("vol-1", target));
        Files.delete(target.resolve(FakeBackend.MARKER));
        Files.writeString(target.resolve(FakeBackend.FOREIGN), "stale");

        engine.publish(publish("vol-1", target));

        assertFalse(Files.exists(target.resolve(FakeBackend.FOREIGN)), "the stale publication was not taken away");
        assertEquals("vol-1", Files.readString(target.resolve(FakeBackend.MARKER)));
        assertEquals(2, backend.publishCalls());
        assertEquals(Optional.of("vol-1"), recordedVolume(target));
    }

    @Test
    void aTargetPublishedForAnotherVolumeIsAlreadyExists() throws Exception {
        Path target = newTarget();
        engine.publish(publish("vol-1", target));

        VolumeException e =
                refusal(VolumeException.Reason.ALREADY_EXISTS, () -> engine.publish(publish("vol-2", target)));

        assertTrue(e.getMessage().contains("vol-1"), e.getMessage());
        assertEquals("vol-1", Files.readString(target.resolve(FakeBackend.MARKER)));
        assertEquals(1, backend.publishCalls());
        assertEquals(Optional.of("vol-1"), recordedVolume(target));
    }

    /** Another volume's record at a target with nothing there is stale: that volume is gone from the node. */
    @Test
    void anotherVolumesRecordAtAnAbsentTargetIsReplaced() throws Exception {
        Path target = newTarget();
        recordOnly("vol-2", target);

        engine.publish(publish("vol-1", target));

        assertEquals("vol-1", Files.readString(target.resolve(FakeBackend.MARKER)));
        assertEquals(Optional.of("vol-1"), recordedVolume(target));
        assertEquals(1, engine.publishedVolumes());
    }

    /** Answering OK would tell the kubelet that the new flag is in effect while the old one still is. */
    @Test
    void aRepublishWithAnotherReadonlyFlagIsAlreadyExists() throws Exception {
        Path target = newTarget();
        engine.publish(publish("vol-1", target));

        VolumeException e = refusal(
                VolumeException.Reason.ALREADY_EXISTS,
                () -> engine.publish(publish("vol-1", target, false, podContext())));

        assertTrue(e.getMessage().contains("readonly=true"), e.getMessage());
        assertEquals(1, backend.publishCalls());
        assertTrue(state.get(target).orElseThrow().readOnly(), "the record still says what is in effect");
    }

    @Test
    void aRepublishWithAnotherVolumeContextIsAlreadyExists() throws Exception {
        Path target = newTarget();
        engine.publish(publish("vol-1", target));
        Map<String, String> other = new HashMap<>(podContext());
        other.put("example.org/audience", "db");

        VolumeException e = refusal(
                VolumeException.Reason.ALREADY_EXISTS, () -> engine.publish(publish("vol-1", target, true, other)));

        assertTrue(e.getMessage().contains("volume_context"), e.getMessage());
        assertEquals(1, backend.publishCalls());
        assertEquals(podContext(), state.get(target).orElseThrow().volumeContext());
    }

    @Test
    void aFailedBackendPublishRemovesTheDirectoryItWasGivenAndRecordsNothing() throws Exception {
        Path target = newTarget();
        BackendException failure = new BackendException(BackendException.Failure.UNAVAILABLE, "agent down");
        backend.failNextPublish(failure);

        BackendException thrown = assertThrows(BackendException.class, () -> engine.publish(publish("vol-1", target)));

        assertSame(failure, thrown, "the backend's failure reaches the caller as it was");
        assertEquals(1, backend.publishCalls());
        assertFalse(Files.exists(target), "the directory the engine created for the publish is left behind");
        assertTrue(Files.isDirectory(target.getParent()), "the kubelet's directory is not the engine's to remove");
        assertEquals(Optional.empty(), recordedVolume(target));
    }

    /**
     * A publication without its record would be neither resumed after a restart nor unpublished: it is taken back
     * and the kubelet told to retry.
     */
    @Test
    void aPublishThatCannotBeRecordedIsTakenBackAndUnavailable() throws Exception {
        Path target = newTarget();
        Path records = stateDir.resolve("volumes");
        // as root no permission stops a write: a file where the records' directory was makes every write fail
        Files.delete(records);
        Files.writeString(records, "not a directory");

        VolumeException e = refusal(VolumeException.Reason.UNAVAILABLE, () -> engine.publish(publish("vol-1", target)));

        assertTrue(e.getMessage().contains("cannot record volume vol-1"), e.getMessage());
        assertEquals(1, backend.publishCalls(), "the publication was attempted");
        assertFalse(Files.exists(target), "the publication and the directory made for it were taken back");
        assertEquals(Optional.empty(), state.get(target));
        assertEquals(0, engine.publishedVolumes());
    }

    @Test
    void anUnpublishOfAnotherVolumeIsNotFoundAndLeavesThePublicationInPlace() throws Exception {
        Path target = newTarget();
        engine.publish(publish("vol-1", target));

        VolumeException e =
                refusal(VolumeException.Reason.NOT_FOUND, () -> engine.unpublish("vol-2", target.toString()));

        assertTrue(e.getMessage().contains("volume vol-1 is"), e.getMessage());
        assertEquals("vol-1", Files.readString(target.resolve(FakeBackend.MARKER)));
        assertEquals(Optional.of("vol-1"), recordedVolume(target));
    }

    /** NodeUnpublishVolume has no "occupied" code: the target is not in a state that allows an unpublish. */
    @Test
    void anUnpublishTheBackendFindsOccupiedIsFailedPreconditionAndRemovesNothing() throws Exception {
        Path target = newTarget();
        Files.createDirectory(target);
        Files.writeString(target.resolve(FakeBackend.FOREIGN), "precious");

        VolumeException e =
                refusal(VolumeException.Reason.FAILED_PRECONDITION, () -> engine.unpublish("vol-1", target.toString()));

        assertTrue(e.getCause() instanceof BackendException, String.valueOf(e.getCause()));
        assertEquals("precious", Files.readString(target.resolve(FakeBackend.FOREIGN)));
    }

    @Test
    void anUnpublishTakesThePublicationTheDirectoryAndTheRecordAway() throws Exception {
        Path target = newTarget();
        engine.publish(publish("vol-1", target));

        engine.unpublish("vol-1", target.toString());

        assertFalse(Files.exists(target));
        assertEquals(Optional.empty(), recordedVolume(target));
    }

    /**
     * Whether volume_path holds volume_id is decided from the records: a path the backend would call published but
     * that no record names for this volume is NOT_FOUND.
     */
    @Test
    void statsOfAPathNoRecordNamesForTheVolumeAreNotFound() throws Exception {
        Path target = newTarget();
        engine.publish(publish("vol-1", target));
        Path unrecorded = newTarget();
        publishedOutsideTheEngine(unrecorded, "vol-1");

        assertEquals(
                VolumeCondition.healthy("fake: published"),
                engine.stats("vol-1", target.toString()).condition(),
                "the recorded volume's own condition");
        refusal(VolumeException.Reason.NOT_FOUND, () -> engine.stats("vol-2", target.toString()));
        refusal(VolumeException.Reason.NOT_FOUND, () -> engine.stats("vol-1", unrecorded.toString()));
    }
}
