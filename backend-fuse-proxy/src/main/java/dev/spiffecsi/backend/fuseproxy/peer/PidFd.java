package dev.spiffecsi.backend.fuseproxy.peer;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A process tracked by a pidfd (Linux 5.3 or later): a file descriptor that refers to the process itself, not to its
 * number, so it can never come to name a process that reused the pid. {@code pidfd_send_signal(fd, 0, NULL, 0)}
 * sends no signal but fails with ESRCH once the process has exited (and been reaped). This is how SPIRE's own
 * Workload API (peertracker) guards its callers.
 *
 * <p>The pidfd is opened after the connection was accepted, from the pid SO_PEERCRED reported: if the process exited
 * and its pid was reused in that short moment, the pidfd names the new process. Linux 6.5's SO_PEERPIDFD would close
 * that window; it is not used yet.
 */
public final class PidFd implements PeerProcess {

    private static final long SYS_PIDFD_SEND_SIGNAL = 424; // the same number on every architecture
    private static final long SYS_PIDFD_OPEN = 434;
    static final int EPERM = 1;
    static final int ESRCH = 3;
    static final int ENOSYS = 38;

    private static final System.Logger LOG = System.getLogger(PidFd.class.getName());
    private static final AtomicBoolean WARNED_UNAVAILABLE = new AtomicBoolean();

    /** {@code syscall(2)} with every argument passed as a long, as the kernel takes them. */
    private interface Syscalls extends Library {
        Syscalls INSTANCE = Native.load("c", Syscalls.class);

        long syscall(long number, long arg1, long arg2) throws LastErrorException;

        long syscall(long number, long arg1, long arg2, long arg3, long arg4) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    /** -1 once closed; guarded by this, so that a check never reaches an fd number reused after close. */
    private int fd;
    private final int pid;

    private PidFd(int fd, int pid) {
        this.fd = fd;
        this.pid = pid;
    }

    /**
     * Tracks a process by a new pidfd. Without pidfds (ENOSYS: a kernel older than 5.3, or a seccomp filter that
     * hides the call) the process is not tracked, with one warning per driver process; a process that has already
     * exited (ESRCH), or any other failure, gives {@link PeerProcess#EXITED}, so that its calls are refused.
     */
    public static PeerProcess track(int pid) {
        if (pid <= 0) {
            return EXITED;
        }
        try {
            return open(pid);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOSYS) {
                warnUnavailable("pidfd_open(2) is not available (ENOSYS; Linux 5.3 or later needed)");
                return UNTRACKED;
            }
            if (e.getErrorCode() != ESRCH) {
                LOG.log(Level.WARNING, "cannot open a pidfd for pid " + pid + " (errno " + e.getErrorCode()
                        + "); its calls are refused as if it had exited");
            }
            return EXITED;
        } catch (LinkageError e) {
            warnUnavailable("syscall(2) cannot be called through JNA: " + e);
            return UNTRACKED;
        }
    }

    private static void warnUnavailable(String why) {
        if (WARNED_UNAVAILABLE.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, why + ": callers are not tracked by pidfd, so in identity = pid mode a caller "
                    + "that exits while another process keeps its connection, and whose pid is reused, would be "
                    + "mistaken for the process that reused it");
        }
    }

    /** @throws LastErrorException with pidfd_open's errno */
    static PidFd open(int pid) {
        long fd = Syscalls.INSTANCE.syscall(SYS_PIDFD_OPEN, pid, 0L); // the pidfd is close-on-exec
        return new PidFd((int) fd, pid);
    }

    @Override
    public synchronized boolean hasExited() {
        if (fd < 0) {
            return true;
        }
        int errno = signalZero();
        // EPERM: the process exists, only signalling it is not allowed (which sending no signal never does)
        return errno != 0 && errno != EPERM;
    }

    /** pidfd_send_signal(fd, 0, NULL, 0): 0, or the errno (ESRCH once the process has exited). */
    synchronized int signalZero() {
        if (fd < 0) {
            throw new IllegalStateException("closed");
        }
        try {
            Syscalls.INSTANCE.syscall(SYS_PIDFD_SEND_SIGNAL, fd, 0L, 0L, 0L);
            return 0;
        } catch (LastErrorException e) {
            return e.getErrorCode();
        }
    }

    /** The fd, for tests; -1 once closed. */
    synchronized int fd() {
        return fd;
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            int closing = fd;
            fd = -1;
            try {
                Syscalls.INSTANCE.close(closing);
            } catch (LastErrorException e) {
                LOG.log(Level.WARNING, "cannot close the pidfd of pid " + pid + ": errno " + e.getErrorCode());
            }
        }
    }

    @Override
    public String toString() {
        return "pidfd of pid " + pid;
    }
}
