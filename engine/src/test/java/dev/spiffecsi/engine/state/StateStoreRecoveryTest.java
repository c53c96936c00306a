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
        Files.writeString(
                stateDir.resolve("volumes/nul.json"), "{\"volumeId\":\"a\",\"targetPath\":\"/pods/a\\u0000b\"}");
        Files.writeString(stateDir.resolve("volumes/relative.json"), "{\"volumeId\":\"b\",\"targetPath\":\"\"}");

        StateStore reopened =
                StateStore.open(stateDir, Path.of("/pods")); // threw InvalidPathException: the driver could not start

        assertEquals(0, reopened.size());
        assertTrue(Files.exists(stateDir.resolve("volumes/nul.json.corrupt")));
        assertTrue(Files.exists(stateDir.resolve("volumes/relative.json.corrupt")));
    }

    /** Drivers before bba141c recorded the kubelet's service account tokens; read back, a record holds none. */
    @Test
    void aRecordWrittenWithServiceAccountTokensIsReadWithoutThem() throws Exception {
        Files.createDirectories(stateDir.resolve("volumes"));
        Files.writeString(
                stateDir.resolve("volumes/old.json"),
                "{\"volumeId\":\"a\",\"targetPath\":\"/pods/a\","
                        + "\"volumeContext\":{\"csi.storage.k8s.io/pod.name\":\"web\","
                        + "\"csi.storage.k8s.io/serviceAccount.tokens\":\"{}\"}}");

        VolumeRecord record = StateStore.open(stateDir, Path.of("/pods"))
                .get(Path.of("/pods/a"))
                .orElseThrow();

        assertEquals(java.util.Map.of("csi.storage.k8s.io/pod.name", "web"), record.volumeContext());
    }

    /**
     * Whatever lies in the state directory, the driver starts: a record too large to be one the engine wrote, a FIFO
     * (which a plain read would wait on forever), a symlink (never followed), and a record for a target outside the
     * pods directory are moved aside, and the good record is kept.
     */
    @Test
    void hostileFilesAreMovedAsideAndTheStoreStillOpens() throws Exception {
        Path volumes = Files.createDirectories(stateDir.resolve("volumes"));
        String good = "{\"volumeId\":\"a\",\"targetPath\":\"/pods/a\"}";
        Files.writeString(volumes.resolve("good.json"), good);
        byte[] big = new byte[StateStore.MAX_RECORD_BYTES + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        Files.write(volumes.resolve("oversized.json"), big);
        Path secret = Files.writeString(
                stateDir.resolve("outside-secret"), "{\"volumeId\":\"s\",\"targetPath\":" + "\"/pods/s\"}");
        Files.createSymbolicLink(volumes.resolve("link.json"), secret);
        Files.writeString(volumes.resolve("escaped.json"), "{\"volumeId\":\"e\",\"targetPath\":\"/etc\"}");
        Files.writeString(volumes.resolve("dotdot.json"), "{\"volumeId\":\"d\",\"targetPath\":\"/pods/../etc/x\"}");
        Files.writeString(volumes.resolve("the-dir-itself.json"), "{\"volumeId\":\"d\",\"targetPath\":\"/pods\"}");
        Path fifo = volumes.resolve("fifo.json");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mkfifo.waitFor());

        StateStore reopened = StateStore.open(stateDir, Path.of("/pods"));

        assertEquals(1, reopened.size());
        assertTrue(reopened.get(Path.of("/pods/a")).isPresent());
        for (String name : new String[] {"oversized", "link", "escaped", "dotdot", "the-dir-itself", "fifo"}) {
            assertTrue(
                    Files.exists(volumes.resolve(name + ".json.corrupt"), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                    name + " was not moved aside");
            assertTrue(Files.notExists(volumes.resolve(name + ".json"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        }
        assertTrue(Files.isSymbolicLink(volumes.resolve("link.json.corrupt")), "the symlink moved as itself");
        assertEquals("{\"volumeId\":\"s\",\"targetPath\":\"/pods/s\"}", Files.readString(secret));
    }
}
