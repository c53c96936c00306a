package dev.spiffecsi.backend.fuseproxy.fuse;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OwnProcessTest {

    @Test
    void knowsItsOwnThreadsAndNoOneElses() throws IOException {
        // /proc/thread-self -> <pid>/task/<tid>
        int tid = Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self"))
                .getFileName()
                .toString());
        assertTrue(OwnProcess.hasThread(tid));
        assertTrue(OwnProcess.hasThread((int) ProcessHandle.current().pid()), "the main thread");
        assertFalse(OwnProcess.hasThread(0), "a caller outside the driver's pid namespace");
        assertFalse(OwnProcess.hasThread(1), "init");
        assertFalse(OwnProcess.hasThread(-1));
    }
}
