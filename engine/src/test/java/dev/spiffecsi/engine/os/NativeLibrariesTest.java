package dev.spiffecsi.engine.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** libc loads without JNA forking /sbin/ldconfig. */
class NativeLibrariesTest {

    @Test
    void libcLoadsWithoutAChildProcess() throws IOException {
        List<ProcessHandle> before = ProcessHandle.current().children().toList();
        assertEquals(0, LibC.INSTANCE.umask(LibC.INSTANCE.umask(022)) & ~0777, "a libc call works");
        assertTrue(System.getProperty(NativeLibraries.SEARCH_PATH_PROPERTY).contains("-linux-gnu"));
        // JNA's ldconfig child would have left a "process reaper" thread, and would show as a child while it ran
        assertEquals(before, ProcessHandle.current().children().toList());
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                String name = Files.readString(task.resolve("comm")).strip();
                assertFalse(name.startsWith("process reaper"), "JNA ran a child process: a " + name + " thread");
            }
        }
    }

    @Test
    void theSearchPathIsJnasDefaultWithDebiansMultiarchFirst() {
        assertEquals(
                "/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:/usr/lib64:/lib64:/usr/lib:/lib",
                NativeLibraries.defaultSearchPath("amd64"));
        assertTrue(NativeLibraries.defaultSearchPath("aarch64").startsWith("/usr/lib/aarch64-linux-gnu:"));
    }
}
