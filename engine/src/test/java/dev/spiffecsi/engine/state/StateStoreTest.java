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

    private static final Path PODS = Path.of("/pods");

    private static VolumeRecord record(String volumeId, String target) {
        Map<String, String> context = Map.of(PodInfo.POD_NAME, "p", PodInfo.POD_UID, "u");
        return VolumeRecord.of(
                new PublishRequest(volumeId, Path.of(target), true, PodInfo.fromVolumeContext(context), context),
                "bindmount",
                Instant.parse("2026-01-02T03:04:05Z"));
    }

    @Test
    void recordsSurviveReopening() throws Exception {
        StateStore store = StateStore.open(stateDir, PODS);
        store.put(record("v1", "/pods/a/mount"));
        store.put(record("v2", "/pods/b/mount"));
        store.remove(Path.of("/pods/b/mount"));

        StateStore reopened = StateStore.open(stateDir, PODS);
        assertEquals(1, reopened.size());
        VolumeRecord restored = reopened.get(Path.of("/pods/a/mount")).orElseThrow();
        assertEquals(record("v1", "/pods/a/mount"), restored);
        assertEquals("p", restored.toRequest().pod().name());
        assertEquals(1, reopened.forBackend("bindmount").size());
        assertEquals(0, reopened.forBackend("other").size());
    }

    @Test
    void anUnreadableRecordIsMovedAsideNotFatal() throws Exception {
        StateStore store = StateStore.open(stateDir, PODS);
        store.put(record("v1", "/pods/a/mount"));
        Files.writeString(stateDir.resolve("volumes/broken.json"), "{not json");

        StateStore reopened = StateStore.open(stateDir, PODS);

        assertEquals(1, reopened.size());
        assertTrue(Files.exists(stateDir.resolve("volumes/broken.json.corrupt")));
    }

    @Test
    void readsTheRecordsEarlierVersionsWroteAndSkipsFieldsItDoesNotKnow() throws Exception {
        // written by the driver before 0.2 (Jackson data binding), with a field a newer version might add
        Files.createDirectories(stateDir.resolve("volumes"));
        Files.writeString(stateDir.resolve("volumes/old.json"), """
                {"volumeId":"csi-1","targetPath":"/pods/a/volumes/kubernetes.io~csi/v/mount","backend":"bindmount",\
                "readOnly":true,"volumeContext":{"csi.storage.k8s.io/pod.name":"web","csi.storage.k8s.io/pod.uid":"u1"},\
                "publishedAt":"2026-01-02T03:04:05.123456Z","futureField":{"nested":[1,2,{"x":null}]}}""");

        VolumeRecord record = StateStore.open(stateDir, PODS)
                .get(Path.of("/pods/a/volumes/kubernetes.io~csi/v/mount"))
                .orElseThrow();

        assertEquals(
                new VolumeRecord(
                        "csi-1",
                        "/pods/a/volumes/kubernetes.io~csi/v/mount",
                        "bindmount",
                        true,
                        Map.of("csi.storage.k8s.io/pod.name", "web", "csi.storage.k8s.io/pod.uid", "u1"),
                        Instant.parse("2026-01-02T03:04:05.123456Z")),
                record);
        assertEquals("web", record.toRequest().pod().name());
    }

    @Test
    void keysAndValuesThatNeedEscapingSurviveTheRoundTrip() throws Exception {
        Map<String, String> context = Map.of("quote\"key", "line\nbreak \u00e9\t\\", "", "");
        VolumeRecord record = new VolumeRecord(
                "v\"1", "/pods/é/mount", "fuse-proxy", false, context, Instant.parse("2026-01-02T03:04:05Z"));
        StateStore.open(stateDir, PODS).put(record);

        assertEquals(
                record,
                StateStore.open(stateDir, PODS).get(Path.of("/pods/é/mount")).orElseThrow());
    }

    @Test
    void aRecordWithoutItsIdentityOrWithWrongTypesIsUnreadable() throws Exception {
        Files.createDirectories(stateDir.resolve("volumes"));
        Files.writeString(stateDir.resolve("volumes/no-id.json"), "{\"targetPath\":\"/pods/x\"}");
        Files.writeString(stateDir.resolve("volumes/number.json"), "{\"volumeId\":1,\"targetPath\":\"/pods/y\"}");
        Files.writeString(stateDir.resolve("volumes/two.json"), "{\"volumeId\":\"a\",\"targetPath\":\"/b\"}{}");

        StateStore reopened = StateStore.open(stateDir, PODS);

        assertEquals(0, reopened.size());
        for (String name : new String[] {"no-id", "number", "two"}) {
            assertTrue(Files.exists(stateDir.resolve("volumes/" + name + ".json.corrupt")), name);
        }
    }
}
