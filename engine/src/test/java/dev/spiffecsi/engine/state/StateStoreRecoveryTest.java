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
}
