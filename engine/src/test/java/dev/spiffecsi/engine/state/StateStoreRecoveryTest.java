package dev.spiffecsi.engine.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One bad record must not keep the driver from starting ("unreadable files are moved aside, not fatal"). */
class StateStoreRecoveryTest {

    @TempDir
    Path stateDir;

    @Test
    void aRecordWhoseTargetIsNoPathIsMovedAsideNotFatal() throws Exception {
        Files.createDirectories(stateDir.resolve("volumes"));
        Files.writeString(stateDir.resolve("volumes/nul.json"), "{\"volumeId\":\"a\",\"targetPath\":\"/pods/a\\u0000b\"}");
        Files.writeString(stateDir.resolve("volumes/relative.json"), "{\"volumeId\":\"b\",\"targetPath\":\"\"}");

        StateStore reopened = StateStore.open(stateDir); // threw InvalidPathException: the driver could not start

        assertEquals(0, reopened.size());
        assertTrue(Files.exists(stateDir.resolve("volumes/nul.json.corrupt")));
        assertTrue(Files.exists(stateDir.resolve("volumes/relative.json.corrupt")));
    }

    /** Drivers before bba141c recorded the kubelet's service account tokens; read back, a record holds none. */
    @Test
    void aRecordWrittenWithServiceAccountTokensIsReadWithoutThem() throws Exception {
        Files.createDirectories(stateDir.resolve("volumes"));
        Files.writeString(stateDir.resolve("volumes/old.json"), "{\"volumeId\":\"a\",\"targetPath\":\"/pods/a\","
                + "\"volumeContext\":{\"csi.storage.k8s.io/pod.name\":\"web\","
                + "\"csi.storage.k8s.io/serviceAccount.tokens\":\"{}\"}}");

        VolumeRecord record = StateStore.open(stateDir).get(Path.of("/pods/a")).orElseThrow();

        assertEquals(java.util.Map.of("csi.storage.k8s.io/pod.name", "web"), record.volumeContext());
    }
}
