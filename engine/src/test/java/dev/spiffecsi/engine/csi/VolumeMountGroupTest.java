package dev.spiffecsi.engine.csi;

import static dev.spiffecsi.engine.testing.EngineFixture.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.VolumeCapability;
import dev.spiffecsi.engine.state.StateStore;
import dev.spiffecsi.engine.testing.EngineFixture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code volume_capability.mount.volume_mount_group}, the pod's fsGroup the kubelet sends to a driver with the
 * VOLUME_MOUNT_GROUP capability: through real gRPC (in-process) to the backend's request and the volume's record,
 * or refused naming the field.
 */
class VolumeMountGroupTest {

    private static final String FIELD = "volume_capability.mount.volume_mount_group";

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

    private static NodePublishVolumeRequest withGroup(String volumeId, Path target, String group) {
        NodePublishVolumeRequest.Builder request = publish(volumeId, target);
        VolumeCapability.Builder capability = request.getVolumeCapabilityBuilder();
        capability.setMount(capability.getMount().toBuilder().setVolumeMountGroup(group));
        return request.build();
    }

    @Test
    void thePodsFsGroupReachesTheBackendAndTheRecord() throws Exception {
        Path target = fixture.newTarget();
        fixture.node.nodePublishVolume(withGroup("vol-1", target, "2000"));

        assertEquals(OptionalInt.of(2000), fixture.backend.lastPublished().volumeMountGroup());
        assertEquals(
                OptionalInt.of(2000),
                StateStore.open(fixture.stateDir, fixture.podsDir)
                        .get(target)
                        .orElseThrow()
                        .toRequest()
                        .volumeMountGroup(),
                "a driver restart serves the volume again with the same group");
    }

    @Test
    void withoutAnFsGroupTheRequestHasNoGroup() throws Exception {
        Path target = fixture.newTarget();
        fixture.node.nodePublishVolume(publish("vol-1", target).build());

        assertEquals(OptionalInt.empty(), fixture.backend.lastPublished().volumeMountGroup());
        assertEquals(
                OptionalInt.empty(),
                StateStore.open(fixture.stateDir, fixture.podsDir)
                        .get(target)
                        .orElseThrow()
                        .volumeMountGroup());
    }

    @Test
    void theLargestGroupKubernetesAcceptsIsAccepted() throws Exception {
        Path target = fixture.newTarget();
        fixture.node.nodePublishVolume(withGroup("vol-1", target, "0"));
        assertEquals(OptionalInt.of(0), fixture.backend.lastPublished().volumeMountGroup());
        fixture.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                .setVolumeId("vol-1")
                .setTargetPath(target.toString())
                .build());

        fixture.node.nodePublishVolume(withGroup("vol-1", target, "2147483647"));
        assertEquals(
                OptionalInt.of(Integer.MAX_VALUE),
                fixture.backend.lastPublished().volumeMountGroup());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "wheel",
                "-1",
                "+5",
                " 5",
                "5 ",
                "2147483648",
                "4294967295",
                "99999999999999999999",
                "1e3",
                "0x10",
                "5\n[FORGED] a log line",
                "\u0665"
            })
    void anythingButADecimalGidIsInvalidArgumentNamingTheField(String group) throws Exception {
        Path target = fixture.newTarget();
        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class, () -> fixture.node.nodePublishVolume(withGroup("vol-1", target, group)));

        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(
                e.getStatus().getDescription().startsWith(FIELD + " must be a decimal group id"),
                e.getStatus().getDescription());
        assertTrue(
                !e.getStatus().getDescription().contains("\n"),
                "escaped: " + e.getStatus().getDescription());
        assertEquals(0, fixture.backend.publishCalls(), "nothing reached the backend");
        assertTrue(!Files.exists(target), "nothing was created");
    }

    @Test
    void aHugeValueIsQuotedTruncated() throws Exception {
        Path target = fixture.newTarget();
        String huge = "1".repeat(100_000);
        String message = assertThrows(
                        StatusRuntimeException.class,
                        () -> fixture.node.nodePublishVolume(withGroup("vol-1", target, huge)))
                .getStatus()
                .getDescription();

        assertTrue(message.startsWith(FIELD), message);
        assertTrue(message.length() < 512, "truncated: " + message.length() + " characters");
        assertTrue(message.endsWith("(100000 characters)"), message);
    }
}
