package dev.spiffecsi.backend.fuseproxy.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The real pidfd on real processes (Linux 5.3 or later). */
class PidFdTest {

    private static Process sleeper() throws IOException {
        return new ProcessBuilder("sleep", "30").start();
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void aRunningProcessIsAliveAndAKilledOneHasExitedWithEsrch() throws Exception {
        Process child = sleeper();
        try (PidFd pidfd = PidFd.open((int) child.pid())) {
            assertEquals(0, pidfd.signalZero());
            assertFalse(pidfd.hasExited());

            child.destroyForcibly();
            child.waitFor(); // reaped: from now on the pid is free for any other process

            assertEquals(PidFd.ESRCH, pidfd.signalZero());
            assertTrue(pidfd.hasExited());
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    @Test
    void trackingOpensOnePidfdThatCloseReleases() throws Exception {
        Process child = sleeper();
        try {
            long before = openFds();
            PeerProcess tracked = PidFd.track((int) child.pid());
            PidFd pidfd = assertInstanceOf(PidFd.class, tracked);
            assertEquals(before + 1, openFds());
            assertTrue(Files.readString(Path.of("/proc/self/fdinfo/" + pidfd.fd())).contains("Pid:\t" + child.pid()),
                    "the fd is a pidfd for the child");
            assertFalse(tracked.hasExited());

            tracked.close();
            tracked.close();

            assertEquals(before, openFds());
            assertEquals(-1, pidfd.fd());
            assertTrue(tracked.hasExited(), "a closed tracker never vouches for a process");
            assertTrue(child.isAlive());
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    @Test
    void aProcessThatIsGoneBeforeItIsTrackedHasExited() throws Exception {
        Process child = sleeper();
        int pid = (int) child.pid();
        child.destroyForcibly().waitFor();

        LastErrorException gone = assertThrows(LastErrorException.class, () -> PidFd.open(pid).close());
        assertEquals(PidFd.ESRCH, gone.getErrorCode());
        assertSame(PeerProcess.EXITED, PidFd.track(pid));
        assertSame(PeerProcess.EXITED, PidFd.track(0));
    }
}
