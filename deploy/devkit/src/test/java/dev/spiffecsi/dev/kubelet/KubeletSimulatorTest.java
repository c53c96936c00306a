package dev.spiffecsi.dev.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.VolumeCapability;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeletSimulatorTest {

    private static final RetryPolicy QUICK = new RetryPolicy(Duration.ofMillis(1), Duration.ofMillis(4), 4);

    @TempDir
    Path tempDir;

    private Path podsDir;
    private FakeCsiDriver driver;
    private KubeletSimulator kubelet;
    private final Pod pod = new Pod("web", "shop", "6f1c2d4e-uid", "web-sa", "spiffe", false);

    @BeforeEach
    void setUp() throws Exception {
        podsDir = Files.createDirectory(tempDir.resolve("pods"));
        Path socket = tempDir.resolve("csi.sock");
        driver = new FakeCsiDriver(socket);
        kubelet = KubeletSimulator.connect(socket, podsDir, QUICK);
    }

    @AfterEach
    void tearDown() throws Exception {
        kubelet.close();
        driver.close();
    }

    @Test
    void publishSendsWhatTheKubeletSendsForAnEphemeralInlineVolume() throws Exception {
        Path target = kubelet.publish(pod);

        assertEquals(podsDir.resolve("6f1c2d4e-uid/volumes/kubernetes.io~csi/spiffe/mount"), target);
        NodePublishVolumeRequest request = driver.publishes.getFirst();
        assertEquals("csi-" + sha256Hex("6f1c2d4e-uid" + "spiffe"), request.getVolumeId());
        assertEquals(target.toString(), request.getTargetPath());
        assertFalse(request.getReadonly());
        assertEquals(
                Map.of(
                        "csi.storage.k8s.io/pod.name", "web",
                        "csi.storage.k8s.io/pod.namespace", "shop",
                        "csi.storage.k8s.io/pod.uid", "6f1c2d4e-uid",
                        "csi.storage.k8s.io/serviceAccount.name", "web-sa",
                        "csi.storage.k8s.io/ephemeral", "true"),
                request.getVolumeContextMap());
        VolumeCapability capability = request.getVolumeCapability();
        assertEquals(
                VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER,
                capability.getAccessMode().getMode());
        assertTrue(capability.hasMount());
        assertEquals("", capability.getMount().getFsType());
        assertEquals("", request.getStagingTargetPath());
    }

    @Test
    void onlyTheParentOfTheTargetIsCreatedWithMode0750() throws Exception {
        Path target = kubelet.publish(pod);

        assertFalse(Files.exists(target));
        assertEquals(PosixFilePermissions.fromString("rwxr-x---"), Files.getPosixFilePermissions(target.getParent()));
    }

    @Test
    void readOnlyComesFromThePodSpec() throws Exception {
        kubelet.publish(Pod.of("api", "default", "default"));

        assertTrue(driver.publishes.getFirst().getReadonly());
    }

    @Test
    void failedCallsAreRetriedUntilTheySucceed() throws Exception {
        driver.failNext(2);

        kubelet.publish(pod);

        assertEquals(3, driver.publishes.size());
    }

    @Test
    void retriesAreBoundedAndTheLastFailureIsReported() {
        driver.failNext(100);

        KubeletException e = assertThrows(KubeletException.class, () -> kubelet.publish(pod));

        assertEquals(QUICK.maxAttempts(), driver.publishes.size());
        assertEquals(Status.Code.UNAVAILABLE, e.status().getCode());
        assertTrue(e.getMessage().contains("shop/web"), e.getMessage());
    }

    @Test
    void theBackoffStartsAt500MsAndDoublesUpToItsCap() {
        RetryPolicy kubelet = RetryPolicy.kubeletDefaults();

        assertEquals(
                List.of(500L, 1000L, 2000L, 4000L, 8000L, 8000L),
                List.of(1, 2, 3, 4, 5, 6).stream()
                        .map(n -> kubelet.delayAfter(n).toMillis())
                        .toList());
    }

    @Test
    void unpublishSendsTheSameVolumeIdAndRemovesATargetDirectoryTheDriverLeft() throws Exception {
        Path target = kubelet.publish(pod);
        Files.createDirectory(target);

        kubelet.unpublish(pod);

        assertEquals(
                driver.publishes.getFirst().getVolumeId(),
                driver.unpublishes.getFirst().getVolumeId());
        assertEquals(target.toString(), driver.unpublishes.getFirst().getTargetPath());
        assertFalse(Files.exists(target));
    }

    @Test
    void registrationReportsThePluginAndTheNode() {
        assertEquals(new RegisteredDriver("csi.spiffe.io", "1.2.3", "node-7"), kubelet.register());
    }

    private static String sha256Hex(String text) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
