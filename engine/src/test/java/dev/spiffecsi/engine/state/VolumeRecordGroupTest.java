package dev.spiffecsi.engine.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A record keeps the volume mount group (the pod's fsGroup), so that a restarted driver serves the same files. */
class VolumeRecordGroupTest {

    @TempDir
    Path stateDir;

    @Test
    void theGroupSurvivesTheRoundTripAndReachesTheResumedRequest() throws Exception {
        VolumeRecord record = new VolumeRecord(
                "v1",
                "/pods/a/mount",
                "fuse-proxy",
                true,
                Map.of("csi.storage.k8s.io/pod.name", "p"),
                OptionalInt.of(2000),
                Instant.parse("2026-01-02T03:04:05Z"));
        StateStore.open(stateDir, Path.of("/pods")).put(record);

        VolumeRecord read = StateStore.open(stateDir, Path.of("/pods"))
                .get(Path.of("/pods/a/mount"))
                .orElseThrow();
        assertEquals(record, read);
        assertEquals(OptionalInt.of(2000), read.toRequest().volumeMountGroup());
    }

    @Test
    void aRecordWithAGroupThatIsNoGidIsMovedAside() throws Exception {
        Files.createDirectories(stateDir.resolve("volumes"));
        String[] groups = {"-1", "2147483648", "\"2000\"", "1.5", "99999999999999999999999"};
        for (int i = 0; i < groups.length; i++) {
            Files.writeString(
                    stateDir.resolve("volumes/g" + i + ".json"),
                    "{\"volumeId\":\"v" + i + "\",\"targetPath\":\"/pods/" + i + "/mount\",\"volumeMountGroup\":"
                            + groups[i] + "}");
        }

        StateStore reopened = StateStore.open(stateDir, Path.of("/pods"));

        assertEquals(0, reopened.size());
        for (int i = 0; i < groups.length; i++) {
            assertTrue(Files.exists(stateDir.resolve("volumes/g" + i + ".json.corrupt")), groups[i]);
        }
    }
}
