package dev.spiffecsi.backend.fuseproxy.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The real pidfd on real processes (Linux 5.3 or later), and from a real socket (SO_PEERPIDFD, Linux 6.5). */
class PidFdTest {

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int OWN_PID = (int) ProcessHandle.current().pid();

    private interface Sockets extends Library {
        Sockets INSTANCE = Native.load("c", Sockets.class);

        int socketpair(int domain, int type, int protocol, int[] fds) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    /** A connected pair of Unix sockets, both ends this process's: each end's peer is this process. */
    private record SocketPair(int one, int other) implements AutoCloseable {
        static SocketPair open() {
            int[] fds = new int[2];
            Sockets.INSTANCE.socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
            return new SocketPair(fds[0], fds[1]);
        }

        @Override
        public void close() {
            Sockets.INSTANCE.close(one);
            Sockets.INSTANCE.close(other);
        }
    }

    private static String fdinfo(int fd) throws IOException {
        return Files.readString(Path.of("/proc/self/fdinfo/" + fd));
    }

    private static PidFd.PeerPidFdOption failingWith(int errno) {
        return socket -> {
            throw new LastErrorException(errno);
        };
    }

    @Test
    void aPeerIsTrackedByTheSocketsOwnPidfd() throws Exception {
        try (SocketPair sockets = SocketPair.open()) {
            long before = openFds();
            PidFd pidfd = assertInstanceOf(PidFd.class, PidFd.ofPeer(sockets.one(), OWN_PID));
            try {
                assertEquals(PidFd.Origin.SO_PEERPIDFD, pidfd.origin());
                assertEquals(before + 1, openFds());
                String info = fdinfo(pidfd.fd());
                assertTrue(info.contains("Pid:\t" + OWN_PID + "\n"), "a pidfd naming the peer: " + info);
                int flags = Integer.parseInt(
                        info.lines()
                                .filter(line -> line.startsWith("flags:"))
                                .findFirst()
                                .orElseThrow()
                                .substring("flags:".length())
                                .trim(),
                        8);
                assertTrue((flags & 02000000) != 0, "close-on-exec, so that no child inherits it: " + info);
                assertFalse(pidfd.hasExited());
            } finally {
                pidfd.close();
            }
            assertEquals(before, openFds());
        }
    }

    @Test
    void withoutSoPeerPidfdThePidfdIsOpenedFromThePid() throws Exception {
        try (SocketPair sockets = SocketPair.open();
                PidFd pidfd = assertInstanceOf(
                        PidFd.class, PidFd.ofPeer(sockets.one(), OWN_PID, failingWith(PidFd.ENOPROTOOPT)))) {
            assertEquals(PidFd.Origin.PIDFD_OPEN, pidfd.origin());
            assertTrue(fdinfo(pidfd.fd()).contains("Pid:\t" + OWN_PID + "\n"));
            assertFalse(pidfd.hasExited());
        }
    }

    @Test
    void aPeerTheSocketCannotNameIsTreatedAsExitedNotLookedUpByPid() {
        // EINVAL: the peer has exited and been reaped; ENODATA: the socket has no peer process
        for (int errno : new int[] {PidFd.EINVAL, PidFd.ESRCH, PidFd.ENODATA, PidFd.EPERM}) {
            assertSame(PeerProcess.EXITED, PidFd.ofPeer(3, OWN_PID, failingWith(errno)), "errno " + errno);
        }
        assertSame(PeerProcess.EXITED, PidFd.ofPeer(3, 0));
    }

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
            assertTrue(
                    Files.readString(Path.of("/proc/self/fdinfo/" + pidfd.fd())).contains("Pid:\t" + child.pid()),
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

        LastErrorException gone =
                assertThrows(LastErrorException.class, () -> PidFd.open(pid).close());
        assertEquals(PidFd.ESRCH, gone.getErrorCode());
        assertSame(PeerProcess.EXITED, PidFd.track(pid));
        assertSame(PeerProcess.EXITED, PidFd.track(0));
    }
}
