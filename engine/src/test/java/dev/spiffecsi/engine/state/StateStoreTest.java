package dev.spiffecsi.engine.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {

    @TempDir
    Path stateDir;

    private static VolumeRecord record(String volumeId, String target) {
        Map<String, String> context = Map.of(PodInfo.POD_NAME, "p", PodInfo.POD_UID, "u");
        return VolumeRecord.of(new PublishRequest(volumeId, Path.of(target), true,
                PodInfo.fromVolumeContext(context), context), "bindmount", Instant.parse("2026-01-02T03:04:05Z"));
    }

    @Test
    void recordsSurviveReopening() throws Exception {
        StateStore store = StateStore.open(stateDir);
        store.put(record("v1", "/pods/a/mount"));
        store.put(record("v2", "/pods/b/mount"));
        store.remove(Path.of("/pods/b/mount"));

        StateStore reopened = StateStore.open(stateDir);
        assertEquals(1, reopened.size());
        VolumeRecord restored = reopened.get(Path.of("/pods/a/mount")).orElseThrow();
        assertEquals(record("v1", "/pods/a/mount"), restored);
        assertEquals("p", restored.toRequest().pod().name());
        assertEquals(1, reopened.forBackend("bindmount").size());
        assertEquals(0, reopened.forBackend("other").size());
    }

    @Test
    void anUnreadableRecordIsMovedAsideNotFatal() throws Exception {
        StateStore store = StateStore.open(stateDir);
        store.put(record("v1", "/pods/a/mount"));
        Files.writeString(stateDir.resolve("volumes/broken.json"), "{not json");

        StateStore reopened = StateStore.open(stateDir);

        assertEquals(1, reopened.size());
        assertTrue(Files.exists(stateDir.resolve("volumes/broken.json.corrupt")));
    }
}
