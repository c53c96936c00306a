package dev.spiffecsi.engine.csi;

import static dev.spiffecsi.engine.testing.EngineFixture.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.engine.csi.proto.GetPluginCapabilitiesRequest;
import dev.spiffecsi.engine.csi.proto.GetPluginInfoRequest;
import dev.spiffecsi.engine.csi.proto.NodeExpandVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeGetCapabilitiesRequest;
import dev.spiffecsi.engine.csi.proto.NodeGetInfoRequest;
import dev.spiffecsi.engine.csi.proto.NodeGetVolumeStatsRequest;
import dev.spiffecsi.engine.csi.proto.NodeGetVolumeStatsResponse;
import dev.spiffecsi.engine.csi.proto.NodeServiceCapability;
import dev.spiffecsi.engine.csi.proto.NodeStageVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnstageVolumeRequest;
import dev.spiffecsi.engine.csi.proto.ProbeRequest;
import dev.spiffecsi.engine.csi.proto.VolumeCapability;
import dev.spiffecsi.engine.csi.proto.VolumeUsage;
import dev.spiffecsi.engine.testing.EngineFixture;
import dev.spiffecsi.engine.testing.FakeBackend;
import dev.spiffecsi.spi.BackendException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every status code the Node and Identity services answer with, through real gRPC (in-process transport). */
class NodeServiceStatusTest {

    @TempDir
    Path root;

    private EngineFixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new EngineFixture(root, false);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private static Status.Code codeOf(Executable call) {
        return assertThrows(StatusRuntimeException.class, call).getStatus().getCode();
    }

    private static String messageOf(Executable call) {
        return assertThrows(StatusRuntimeException.class, call).getStatus().getDescription();
    }

    @Test
    void publishCreatesTheTargetAndUnpublishRemovesIt() throws Exception {
        Path target = fixture.newTarget();
        fixture.node.nodePublishVolume(publish("vol-1", target).build());
        assertTrue(Files.exists(target.resolve(FakeBackend.MARKER)));
        assertEquals(
                "rwxr-x---",
                java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));

        fixture.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                .setVolumeId("vol-1")
                .setTargetPath(target.toString())
                .build());
        assertFalse(Files.exists(target));
        assertEquals(0, fixture.engine.publishedVolumes());
    }

    @Test
    void republishIsOkWithoutASecondPublish() throws Exception {
        Path target = fixture.newTarget();
        for (int i = 0; i < 1000; i++) {
            fixture.node.nodePublishVolume(publish("vol-1", target).build());
        }
        assertEquals(1, fixture.backend.publishCalls());
    }

    @Test
    void aBrokenPublicationIsRepairedByARepublishAndRemovedByAnUnpublish() throws Exception {
        Path target = fixture.newTarget();
        fixture.node.nodePublishVolume(publish("vol-1", target).build());
        Files.writeString(target.resolve(FakeBackend.BROKEN), "");

        assertEquals(
                Status.Code.ALREADY_EXISTS,
                codeOf(() ->
                        fixture.node.nodePublishVolume(publish("vol-2", target).build())));
        fixture.node.nodePublishVolume(publish("vol-1", target).build());
        assertEquals(2, fixture.backend.publishCalls(), "the republish repaired the publication");
        assertFalse(Files.exists(target.resolve(FakeBackend.BROKEN)));

        Files.writeString(target.resolve(FakeBackend.BROKEN), "");
        fixture.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                .setVolumeId("vol-1")
                .setTargetPath(target.toString())
                .build());
        assertFalse(Files.exists(target));
    }

    @Test
    void invalidArgumentNamesTheField() throws Exception {
        Path target = fixture.newTarget();
        assertEquals(
                "volume_id is required",
                messageOf(
                        () -> fixture.node.nodePublishVolume(publish("", target).build())));
        assertEquals(
                Status.Code.INVALID_ARGUMENT,
                codeOf(() -> fixture.node.nodePublishVolume(
                        publish("v", target).clearVolumeCapability().build())));
        assertEquals(
                Status.Code.INVALID_ARGUMENT,
                codeOf(() -> fixture.node.nodePublishVolume(publish("v", target)
                        .setVolumeCapability(VolumeCapability.newBuilder()
                                .setBlock(VolumeCapability.BlockVolume.getDefaultInstance()))
                        .build())));
        assertTrue(messageOf(() -> fixture.node.nodePublishVolume(publish("v", target)
                        .putVolumeContext("csi.storage.k8s.io/ephemeral", "false")
                        .build()))
                .contains("ephemeral"));
        assertTrue(messageOf(() -> fixture.node.nodePublishVolume(
                        publish("v", Path.of("/etc/passwd")).build()))
                .startsWith("target_path"));
        assertEquals(
                Status.Code.INVALID_ARGUMENT,
                codeOf(() -> fixture.node.nodeUnpublishVolume(
                        NodeUnpublishVolumeRequest.newBuilder().setVolumeId("v").build())));
        assertEquals(0, fixture.backend.publishCalls(), "nothing reached the backend");
    }

    @Test
    void alreadyExistsForAnotherVolumeOrForeignContent() throws Exception {
        Path target = fixture.newTarget();
        fixture.node.nodePublishVolume(publish("vol-1", target).build());
        assertTrue(messageOf(() ->
                        fixture.node.nodePublishVolume(publish("vol-2", target).build()))
                .contains("already published for volume vol-1"));
        assertEquals(
                Status.Code.ALREADY_EXISTS,
                codeOf(() ->
                        fixture.node.nodePublishVolume(publish("vol-2", target).build())));

        Path occupied = fixture.newTarget();
        Files.createDirectory(occupied);
        Files.writeString(occupied.resolve(FakeBackend.FOREIGN), "keep me");
        assertEquals(
                Status.Code.ALREADY_EXISTS,
                codeOf(() -> fixture.node.nodePublishVolume(
                        publish("vol-3", occupied).build())));
        assertEquals("keep me", Files.readString(occupied.resolve(FakeBackend.FOREIGN)));
    }

    @Test
    void failedPreconditionWhenTheParentIsMissingOrTheTargetHoldsForeignContent() throws Exception {
        // the pod's own path, which the kubelet has not made (yet, or any more)
        Path orphan = fixture.podsDir.resolve(EngineFixture.POD_UID + "/volumes/kubernetes.io~csi/never-made/mount");
        assertEquals(
                Status.Code.FAILED_PRECONDITION,
                codeOf(() ->
                        fixture.node.nodePublishVolume(publish("vol-1", orphan).build())));

        Path occupied = fixture.newTarget();
        Files.createDirectory(occupied);
        Files.writeString(occupied.resolve(FakeBackend.FOREIGN), "keep me");
        assertEquals(
                Status.Code.FAILED_PRECONDITION,
                codeOf(() -> fixture.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                        .setVolumeId("vol-1")
                        .setTargetPath(occupied.toString())
                        .build())));
        assertEquals("keep me", Files.readString(occupied.resolve(FakeBackend.FOREIGN)));
    }

    @Test
    void unpublishingAnotherVolumeThanTheOneAtTheTargetIsNotFound() throws Exception {
        Path target = fixture.newTarget();
        fixture.node.nodePublishVolume(publish("vol-1", target).build());
        assertEquals(
                Status.Code.NOT_FOUND,
                codeOf(() -> fixture.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                        .setVolumeId("vol-9")
                        .setTargetPath(target.toString())
                        .build())));
        assertTrue(Files.exists(target.resolve(FakeBackend.MARKER)), "the other volume's target is untouched");
    }

    @Test
    void aRecordedVolumeTheBackendNoLongerRecognizesIsRepublishedNotRefused() throws Exception {
        Path target = fixture.newTarget();
        fixture.node.nodePublishVolume(publish("vol-1", target).build());
        Files.delete(target.resolve(FakeBackend.MARKER));
        Files.writeString(target.resolve(FakeBackend.FOREIGN), "stale");

        fixture.node.nodePublishVolume(publish("vol-1", target).build());

        assertEquals(2, fixture.backend.publishCalls());
        assertTrue(Files.exists(target.resolve(FakeBackend.MARKER)));
        assertFalse(Files.exists(target.resolve(FakeBackend.FOREIGN)));
    }

    @Test
    void abortedWhileAnOperationOnTheSameVolumeIsPending() throws Exception {
        Path target = fixture.newTarget();
        CountDownLatch entered = fixture.backend.blockPublishes();
        CompletableFuture<Void> first = CompletableFuture.runAsync(
                () -> fixture.node.nodePublishVolume(publish("vol-1", target).build()));
        assertTrue(entered.await(10, TimeUnit.SECONDS));

        assertEquals(
                Status.Code.ABORTED,
                codeOf(() ->
                        fixture.node.nodePublishVolume(publish("vol-1", target).build())));
        assertEquals(
                Status.Code.ABORTED,
                codeOf(() -> fixture.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                        .setVolumeId("vol-1")
                        .setTargetPath(target.toString())
                        .build())));
        Path other = fixture.newTarget();
        assertEquals(
                Status.Code.ABORTED,
                codeOf(() ->
                        fixture.node.nodePublishVolume(publish("vol-1", other).build())),
                "the same volume id on another path is pending too");

        fixture.backend.releasePublishes();
        first.get(10, TimeUnit.SECONDS);
        fixture.node.nodePublishVolume(publish("vol-1", target).build()); // the lock was released
    }

    @Test
    void backendFailuresMapToTheirCodesAndLeaveNoDirectory() throws Exception {
        Path target = fixture.newTarget();
        fixture.backend.failNextPublish(new BackendException(BackendException.Failure.UNAVAILABLE, "agent down"));
        assertEquals(
                Status.Code.UNAVAILABLE,
                codeOf(() ->
                        fixture.node.nodePublishVolume(publish("vol-1", target).build())));
        assertFalse(Files.exists(target), "the directory the failed publish created was removed");

        fixture.backend.failNextPublish(new BackendException(BackendException.Failure.INTERNAL, "boom"));
        assertEquals(
                Status.Code.INTERNAL,
                codeOf(() ->
                        fixture.node.nodePublishVolume(publish("vol-1", target).build())));
        assertEquals(0, fixture.engine.publishedVolumes());
    }

    @Test
    void unpublishOfAMissingTargetIsOk() throws Exception {
        Path target = fixture.newTarget();
        fixture.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                .setVolumeId("vol-1")
                .setTargetPath(target.toString())
                .build());
        Files.createDirectory(target);
        fixture.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                .setVolumeId("vol-1")
                .setTargetPath(target.toString())
                .build());
        assertFalse(Files.exists(target), "an empty, unpublished target directory is removed");
    }

    @Test
    void volumeStatsNeedBothFieldsAndAnswerNotFoundForAnyPathThatDoesNotHoldTheVolume() throws Exception {
        Path target = fixture.newTarget();
        assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> stats("", target.toString())), "no volume_id");
        assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> stats("vol-1", "")), "no volume_path");
        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> stats("vol-1", target.toString())), "nothing published");

        fixture.node.nodePublishVolume(publish("vol-1", target).build());
        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> stats("vol-2", target.toString())), "another volume's path");
        for (String elsewhere : List.of(
                "some/path",
                target.getFileName().toString(),
                "/does/not/exist",
                target + "/..",
                target.getParent().toString(),
                fixture.podsDir.resolve("nope").toString())) {
            assertEquals(Status.Code.NOT_FOUND, codeOf(() -> stats("vol-1", elsewhere)), elsewhere);
        }
    }

    @Test
    void volumeStatsReportTheKernelsUsageWithTheCondition() throws Exception {
        Path target = fixture.newTarget();
        fixture.node.nodePublishVolume(publish("vol-1", target).build());

        NodeGetVolumeStatsResponse healthy = stats("vol-1", target.toString());
        assertFalse(healthy.getVolumeCondition().getAbnormal());
        FileStore store = Files.getFileStore(target);
        VolumeUsage bytes = usage(healthy, VolumeUsage.Unit.BYTES);
        assertEquals(store.getTotalSpace(), bytes.getTotal());
        assertTrue(
                bytes.getTotal() > 0
                        && bytes.getUsed() >= 0
                        && bytes.getAvailable() >= 0
                        && bytes.getUsed() + bytes.getAvailable() <= bytes.getTotal(),
                bytes::toString);
        VolumeUsage inodes = usage(healthy, VolumeUsage.Unit.INODES);
        assertTrue(
                inodes.getTotal() > 0 && inodes.getUsed() > 0 && inodes.getUsed() <= inodes.getTotal(),
                inodes::toString);

        Files.delete(target.resolve(FakeBackend.MARKER));
        NodeGetVolumeStatsResponse abnormal = stats("vol-1", target.toString());
        assertTrue(abnormal.getVolumeCondition().getAbnormal());
        assertFalse(abnormal.getVolumeCondition().getMessage().isEmpty());
        assertEquals(2, abnormal.getUsageCount(), "usage with an abnormal condition too: the kubelet needs both");

        Files.delete(target);
        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> stats("vol-1", target.toString())), "the path is gone");
    }

    @Test
    void volumeStatsReadTheUsageWhereTheBackendSaysTheContentIs() throws Exception {
        Path target = fixture.newTarget();
        fixture.node.nodePublishVolume(publish("vol-1", target).build());
        Path elsewhere = Path.of("/dev/shm"); // tmpfs, not the file system the targets are on
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.isDirectory(elsewhere)
                        && Files.getFileStore(elsewhere).getTotalSpace()
                                != Files.getFileStore(target).getTotalSpace(),
                "SKIPPED: needs /dev/shm on another file system than the temporary directory");
        fixture.backend.contentAt(elsewhere);

        NodeGetVolumeStatsResponse stats = stats("vol-1", target.toString());

        assertEquals(
                Files.getFileStore(elsewhere).getTotalSpace(),
                usage(stats, VolumeUsage.Unit.BYTES).getTotal());
        assertFalse(stats.getVolumeCondition().getAbnormal());
    }

    private NodeGetVolumeStatsResponse stats(String volumeId, String volumePath) {
        return fixture.node.nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
                .setVolumeId(volumeId)
                .setVolumePath(volumePath)
                .build());
    }

    private static VolumeUsage usage(NodeGetVolumeStatsResponse response, VolumeUsage.Unit unit) {
        return response.getUsageList().stream()
                .filter(u -> u.getUnit() == unit)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + unit + " usage in " + response));
    }

    @Test
    void stageUnstageAndExpandAreUnimplemented() {
        assertEquals(
                Status.Code.UNIMPLEMENTED,
                codeOf(() -> fixture.node.nodeStageVolume(NodeStageVolumeRequest.getDefaultInstance())));
        assertEquals(
                Status.Code.UNIMPLEMENTED,
                codeOf(() -> fixture.node.nodeUnstageVolume(NodeUnstageVolumeRequest.getDefaultInstance())));
        assertEquals(
                Status.Code.UNIMPLEMENTED,
                codeOf(() -> fixture.node.nodeExpandVolume(NodeExpandVolumeRequest.getDefaultInstance())));
    }

    @Test
    void identityAndNodeInformation() {
        var info = fixture.identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance());
        assertEquals("csi.spiffe.io", info.getName());
        assertEquals("test-version", info.getVendorVersion());
        assertEquals(
                0,
                fixture.identity
                        .getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance())
                        .getCapabilitiesCount());
        assertEquals(
                "node-1",
                fixture.node
                        .nodeGetInfo(NodeGetInfoRequest.getDefaultInstance())
                        .getNodeId());
        var capabilities = fixture
                .node
                .nodeGetCapabilities(NodeGetCapabilitiesRequest.getDefaultInstance())
                .getCapabilitiesList()
                .stream()
                .map(c -> c.getRpc().getType())
                .toList();
        assertEquals(
                java.util.List.of(
                        NodeServiceCapability.RPC.Type.VOLUME_CONDITION,
                        NodeServiceCapability.RPC.Type.GET_VOLUME_STATS,
                        NodeServiceCapability.RPC.Type.VOLUME_MOUNT_GROUP),
                capabilities,
                "VOLUME_MOUNT_GROUP: the kubelet sends the pod's fsGroup and changes no ownership");
    }

    @Test
    void probeFollowsBackendHealth() {
        assertTrue(fixture.identity
                .probe(ProbeRequest.getDefaultInstance())
                .getReady()
                .getValue());
        fixture.backend.setHealthy(false);
        assertFalse(fixture.identity
                .probe(ProbeRequest.getDefaultInstance())
                .getReady()
                .getValue());
    }

    /** CSI spec, NodePublishVolume: T1=T2, P1!=P2 -> ALREADY_EXISTS ("incompatible with ... readonly flag"). */
    @Test
    void republishWithAnotherReadonlyFlagIsAlreadyExists() throws Exception {
        Path target = fixture.newTarget();
        fixture.node.nodePublishVolume(publish("vol-1", target).build());
        assertEquals(
                Status.Code.ALREADY_EXISTS,
                codeOf(() -> fixture.node.nodePublishVolume(
                        publish("vol-1", target).setReadonly(false).build())));
    }

    @Test
    void republishWithAnotherVolumeContextIsAlreadyExists() throws Exception {
        Path target = fixture.newTarget();
        fixture.node.nodePublishVolume(publish("vol-1", target).build());
        assertEquals(
                Status.Code.ALREADY_EXISTS,
                codeOf(() -> fixture.node.nodePublishVolume(publish("vol-1", target)
                        .putVolumeContext("csi.spiffe.io/contents", "files")
                        .build())));
    }

    /** The kubelet sends new service account tokens on every republish (CSIDriver tokenRequests). */
    @Test
    void republishWithNewServiceAccountTokensIsOkAndTheTokensAreNotRecorded() throws Exception {
        Path target = fixture.newTarget();
        fixture.node.nodePublishVolume(publish("vol-1", target)
                .putVolumeContext("csi.storage.k8s.io/serviceAccount.tokens", "{\"a\":{\"token\":\"one\"}}")
                .build());
        fixture.node.nodePublishVolume(publish("vol-1", target)
                .putVolumeContext("csi.storage.k8s.io/serviceAccount.tokens", "{\"a\":{\"token\":\"two\"}}")
                .build());
        fixture.node.nodePublishVolume(publish("vol-1", target).build());
        assertEquals(1, fixture.backend.publishCalls());
        try (var records = java.nio.file.Files.walk(fixture.stateDir)) {
            for (Path record :
                    records.filter(java.nio.file.Files::isRegularFile).toList()) {
                String text = java.nio.file.Files.readString(record);
                assertEquals(false, text.contains("serviceAccount.tokens"), record + ": " + text);
            }
        }
    }

    /**
     * A publish whose record cannot be written (a full or read-only state directory) must not leave a mount that no
     * record names: nothing would unpublish it after a restart. It is taken back, and the kubelet told to retry.
     */
    @Test
    void aPublishThatCannotBeRecordedIsTakenBackAndUnavailable() throws Exception {
        Path target = fixture.newTarget();
        Path volumes = fixture.stateDir.resolve("volumes");
        // as root no permission stops a write: a file where the records' directory was makes every write fail
        try (var records = Files.list(volumes)) {
            assertEquals(0, records.count());
        }
        Files.delete(volumes);
        Files.writeString(volumes, "not a directory");

        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> fixture.node.nodePublishVolume(publish("vol-1", target).build()));

        assertEquals(
                Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(
                e.getStatus().getDescription().contains("cannot record volume vol-1"),
                e.getStatus().toString());
        assertFalse(Files.exists(target), "the publication and the directory made for it were taken back");
        assertEquals(0, fixture.engine.publishedVolumes());

        // once the state directory is writable again, the kubelet's retry succeeds
        Files.delete(volumes);
        Files.createDirectory(volumes);
        fixture.node.nodePublishVolume(publish("vol-1", target).build());
        assertTrue(Files.exists(target.resolve(FakeBackend.MARKER)));
        assertEquals(1, fixture.engine.publishedVolumes());
    }

    /** The kubelet's own keys are the only ones a pod cannot set; a 1 MB one is refused before anything is read. */
    @Test
    void aPodsKeyUnderTheKubeletsPrefixIsRefusedAndNothingIsPublished() throws Exception {
        Path target = fixture.newTarget();
        for (String value : List.of("x", "x".repeat(1_000_000))) {
            StatusRuntimeException e = assertThrows(
                    StatusRuntimeException.class,
                    () -> fixture.node.nodePublishVolume(publish("vol-1", target)
                            .putVolumeContext("csi.storage.k8s.io/junk", value)
                            .build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(
                    e.getStatus().getDescription().length() < 400, e.getStatus().getDescription());
        }
        assertFalse(Files.exists(target));
        assertEquals(0, fixture.backend.publishCalls());
    }
}
