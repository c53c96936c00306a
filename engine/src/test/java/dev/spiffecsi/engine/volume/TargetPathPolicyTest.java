package dev.spiffecsi.engine.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TargetPathPolicyTest {

    @TempDir
    Path root;

    private Path pods;
    private TargetPathPolicy policy;

    @BeforeEach
    void setUp() throws IOException {
        pods = Files.createDirectories(root.resolve("kubelet/pods"));
        policy = new TargetPathPolicy(pods);
    }

    private VolumeException rejected(String raw) {
        VolumeException e = assertThrows(VolumeException.class, () -> policy.confine("target_path", raw));
        assertEquals(VolumeException.Reason.INVALID_ARGUMENT, e.reason());
        assertTrue(e.getMessage().startsWith("target_path"), e.getMessage());
        return e;
    }

    @Test
    void acceptsAPathBelowThePodsDirectory() {
        String raw = pods + "/uid/volumes/kubernetes.io~csi/v/mount";
        assertEquals(Path.of(raw), policy.confine("target_path", raw));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/../../etc/mount",
                "/uid/../../../etc",
                "/uid/./volumes/mount",
                "/uid//mount",
                "/uid/volumes/mount/",
                "/uid/volumes/.."
            })
    void rejectsUnnormalizedPaths(String suffix) {
        rejected(pods + suffix);
    }

    @Test
    void rejectsThePodsDirectoryItselfAndSiblings() {
        rejected(pods.toString());
        rejected(pods + "-evil/uid/mount");
        rejected(pods.getParent().toString());
        rejected("relative/path");
    }

    @Test
    void rejectsNul() {
        assertTrue(rejected(pods + "/uid\0/mount").getMessage().contains("NUL"));
    }

    @Test
    void rejectsPathsOfPathMaxOrMore() {
        StringBuilder raw = new StringBuilder(pods.toString());
        while (raw.length() < 4096) {
            raw.append("/").append("a".repeat(200));
        }
        assertTrue(rejected(raw.substring(0, 4096)).getMessage().contains("long"));
    }

    @Test
    void rejectsOverlongSegments() {
        rejected(pods + "/" + "a".repeat(256) + "/mount");
    }

    @Test
    void rejectsASymlinkedParentPointingOutside() throws IOException {
        Path outside = Files.createDirectories(root.resolve("outside/volumes"));
        Files.createSymbolicLink(pods.resolve("uid"), outside.getParent());
        assertTrue(rejected(pods + "/uid/volumes/mount").getMessage().contains("symlink"));
        assertFalse(Files.exists(outside.resolve("mount")));
    }

    @Test
    void rejectsAParentThatIsAFile() throws IOException {
        Files.writeString(pods.resolve("uid"), "x");
        assertTrue(rejected(pods + "/uid/mount").getMessage().contains("not a directory"));
    }

    @Test
    void missingParentsAreAcceptedHere() {
        // the engine reports a missing parent when it tries to create the target
        String raw = pods + "/missing/volumes/kubernetes.io~csi/v/mount";
        assertEquals(Path.of(raw), policy.confine("target_path", raw));
    }
}
