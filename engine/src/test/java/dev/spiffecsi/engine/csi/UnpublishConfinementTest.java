package dev.spiffecsi.engine.csi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeRequest;
import dev.spiffecsi.engine.testing.EngineFixture;
import dev.spiffecsi.engine.testing.FakeBackend;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NodeUnpublishVolume with every target_path that could lead out of the kubelet pods directory, over gRPC: each is
 * INVALID_ARGUMENT, and the directory outside, which each of them names one way or another, is untouched (its
 * empty target directory not removed, the fake backend's marker in it not deleted).
 */
class UnpublishConfinementTest {

    @TempDir
    Path root;

    private EngineFixture fixture;
    private Path outsideTarget;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new EngineFixture(root, false);
        // what each escape aims at: a pod-volume layout outside the pods directory, with a target holding a marker
        Path outsideRoot = Files.createDirectories(root.resolve("outside"));
        outsideTarget = Files.createDirectories(outsideRoot.resolve("uid/volumes/kubernetes.io~csi/spiffe/mount"));
        Files.writeString(outsideTarget.resolve(FakeBackend.MARKER), "vol-1");
        Files.createDirectories(root.resolve("empty-target"));
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private List<String> escapes() throws Exception {
        Path pods = fixture.podsDir;
        Path outsideRoot = root.resolve("outside");
        List<String> escapes = new ArrayList<>(List.of(
                pods + "/../outside/uid/volumes/kubernetes.io~csi/spiffe/mount",
                pods + "/uid/../../outside/uid/volumes/kubernetes.io~csi/spiffe/mount",
                pods + "/./../outside/uid/volumes/kubernetes.io~csi/spiffe/mount",
                pods + "//uid/volumes/kubernetes.io~csi/spiffe/mount/..",
                outsideTarget.toString(),
                root.resolve("empty-target").toString(),
                pods.toString(),
                pods.getParent().toString(),
                pods + "-evil/uid/volumes/kubernetes.io~csi/spiffe/mount",
                "outside/uid/volumes/kubernetes.io~csi/spiffe/mount",
                pods + "/uid\0/../../outside/uid/volumes/kubernetes.io~csi/spiffe/mount",
                outsideTarget + "\0",
                pods + "/" + "a".repeat(4096),
                pods + "/" + "a".repeat(256) + "/mount",
                pods + ("/" + "a".repeat(250)).repeat(17) + "/mount"));
        // symlinks at each depth of the pod-volume layout, each leading to the outside layout
        Files.createSymbolicLink(pods.resolve("linked-uid"), outsideRoot.resolve("uid"));
        escapes.add(pods + "/linked-uid/volumes/kubernetes.io~csi/spiffe/mount");
        Files.createDirectories(pods.resolve("uid-2"));
        Files.createSymbolicLink(pods.resolve("uid-2/volumes"), outsideRoot.resolve("uid/volumes"));
        escapes.add(pods + "/uid-2/volumes/kubernetes.io~csi/spiffe/mount");
        Files.createDirectories(pods.resolve("uid-3/volumes"));
        Files.createSymbolicLink(
                pods.resolve("uid-3/volumes/kubernetes.io~csi"), outsideRoot.resolve("uid/volumes/kubernetes.io~csi"));
        escapes.add(pods + "/uid-3/volumes/kubernetes.io~csi/spiffe/mount");
        Files.createDirectories(pods.resolve("uid-4/volumes/kubernetes.io~csi"));
        Files.createSymbolicLink(
                pods.resolve("uid-4/volumes/kubernetes.io~csi/spiffe"),
                outsideRoot.resolve("uid/volumes/kubernetes.io~csi/spiffe"));
        escapes.add(pods + "/uid-4/volumes/kubernetes.io~csi/spiffe/mount");
        return escapes;
    }

    @Test
    void everyEscapingTargetPathIsInvalidArgumentAndTouchesNothingOutside() throws Exception {
        for (String escape : escapes()) {
            StatusRuntimeException refused = assertThrows(
                    StatusRuntimeException.class,
                    () -> fixture.node.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                            .setVolumeId("vol-1")
                            .setTargetPath(escape)
                            .build()),
                    escape);

            String shown = escape.length() > 120 ? escape.substring(0, 120) + "..." : escape;
            assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), shown);
            assertTrue(
                    refused.getStatus().getDescription().contains("target_path"),
                    refused.getStatus().getDescription());
            assertTrue(Files.isRegularFile(outsideTarget.resolve(FakeBackend.MARKER)), "marker deleted by " + shown);
            assertTrue(
                    Files.isDirectory(root.resolve("empty-target"), LinkOption.NOFOLLOW_LINKS),
                    "empty directory removed by " + shown);
        }
    }
}
