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
 * <p>A connection's peer is tracked by the pidfd the kernel hands out for the socket itself ({@code SO_PEERPIDFD},
 * Linux 6.5 or later): it names the process that connected, as recorded at connect time, even if that process has
 * exited and its pid been reused since. SO_PEERCRED's pid comes from the same record, so the two always name the
 * same process. Only on an older kernel (ENOPROTOOPT) is the pidfd opened from SO_PEERCRED's pid after the
 * connection was accepted ({@code pidfd_open}), with one warning per driver process: a process that exited and
 * whose pid was reused in that short moment would then be tracked as the process that reused it.
 */
public final class PidFd implements PeerProcess {

    private static final long SYS_PIDFD_SEND_SIGNAL = 424; // the same number on every architecture
    private static final long SYS_PIDFD_OPEN = 434;
    static final int EPERM = 1;
    static final int ESRCH = 3;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;
    static final int ENODATA = 61;
    static final int ENOPROTOOPT = 92;
    private static final int SOL_SOCKET = 1;
    private static final int SO_PEERPIDFD = 77;

    private static final System.Logger LOG = System.getLogger(PidFd.class.getName());
    private static final AtomicBoolean WARNED_UNAVAILABLE = new AtomicBoolean();
    private static final AtomicBoolean WARNED_NO_PEER_PIDFD = new AtomicBoolean();
    private static final AtomicBoolean WARNED_PEER_PIDFD_FAILS = new AtomicBoolean();

    /** How the pidfd was obtained. */
    enum Origin {
        /** From the connected socket: the process that connected, whatever happened to its pid since. */
        SO_PEERPIDFD,
        /** From the pid, after the connection was accepted (a kernel without SO_PEERPIDFD). */
        PIDFD_OPEN
    }

    /** Gets the peer's pidfd of a connected Unix socket; the production one is {@code getsockopt(SO_PEERPIDFD)}. */
    @FunctionalInterface
    interface PeerPidFdOption {
        /**
         * @return a new pidfd (close-on-exec)
         * @throws LastErrorException with the errno
         */
        int open(int socketFd);
    }

    /** {@code syscall(2)} with every argument passed as a long, as the kernel takes them. */
    private interface Syscalls extends Library {
        Syscalls INSTANCE = Native.load("c", Syscalls.class);

        long syscall(long number, long arg1, long arg2) throws LastErrorException;

        long syscall(long number, long arg1, long arg2, long arg3, long arg4) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int getsockopt(int fd, int level, int optName, int[] optValue, int[] optLength) throws LastErrorException;
    }

    /** -1 once closed; guarded by this, so that a check never reaches an fd number reused after close. */
    private int fd;

    private final int pid;
    private final Origin origin;

    private PidFd(int fd, int pid, Origin origin) {
        this.fd = fd;
        this.pid = pid;
        this.origin = origin;
    }

    /**
     * Tracks the process at the other end of a connected Unix socket by the socket's own pidfd (SO_PEERPIDFD). On a
     * kernel without it (ENOPROTOOPT: older than 6.5) the pidfd is opened from {@code pid} instead ({@link #track}),
     * with one warning per driver process. A peer that has exited already, or any other failure, gives
     * {@link PeerProcess#EXITED}, so that its calls are refused.
     *
     * @param socketFd the accepted connection's file descriptor, still open
     * @param pid      the peer's pid from SO_PEERCRED on that socket
     */
    public static PeerProcess ofPeer(int socketFd, int pid) {
        return ofPeer(socketFd, pid, PidFd::peerPidFd);
    }

    static PeerProcess ofPeer(int socketFd, int pid, PeerPidFdOption option) {
        if (pid <= 0) {
            return EXITED;
        }
        try {
            return new PidFd(option.open(socketFd), pid, Origin.SO_PEERPIDFD);
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            if (errno == ENOPROTOOPT) {
                if (WARNED_NO_PEER_PIDFD.compareAndSet(false, true)) {
                    LOG.log(
                            Level.WARNING,
                            "getsockopt(SO_PEERPIDFD) is not available (ENOPROTOOPT; Linux 6.5 or "
                                    + "later needed): each caller's pidfd is opened from its pid after its connection is "
                                    + "accepted, so a caller that exits at once and whose pid is reused in that moment would "
                                    + "be tracked as the process that reused it");
                }
                return track(pid);
            }
            // EINVAL (ESRCH on some kernels): the peer has exited and been reaped already. Anything else would fail
            // for every connection (a pod opens as many as it likes): said once per driver process
            if (errno != EINVAL && errno != ESRCH && WARNED_PEER_PIDFD_FAILS.compareAndSet(false, true)) {
                LOG.log(
                        Level.WARNING,
                        "cannot get the pidfd of a caller (pid " + pid + ") from its socket "
                                + "(getsockopt SO_PEERPIDFD: errno " + errno
                                + "); the calls of every caller for which this "
                                + "fails are refused as if it had exited (said once)");
            }
            return EXITED;
        } catch (LinkageError e) {
            warnUnavailable("getsockopt(2) cannot be called through JNA: " + e);
            return UNTRACKED;
        }
    }

    /** getsockopt(socketFd, SOL_SOCKET, SO_PEERPIDFD): a new pidfd for the process that connected. */
    private static int peerPidFd(int socketFd) {
        int[] value = new int[1];
        int[] length = {Integer.BYTES};
        Syscalls.INSTANCE.getsockopt(socketFd, SOL_SOCKET, SO_PEERPIDFD, value, length);
        return value[0];
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
                LOG.log(
                        Level.WARNING,
                        "cannot open a pidfd for pid " + pid + " (errno " + e.getErrorCode()
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
            LOG.log(
                    Level.WARNING,
                    why + ": callers are not tracked by pidfd, so in identity = pid mode a caller "
                            + "that exits while another process keeps its connection, and whose pid is reused, would be "
                            + "mistaken for the process that reused it");
        }
    }

    /** @throws LastErrorException with pidfd_open's errno */
    static PidFd open(int pid) {
        long fd = Syscalls.INSTANCE.syscall(SYS_PIDFD_OPEN, pid, 0L); // the pidfd is close-on-exec
        return new PidFd((int) fd, pid, Origin.PIDFD_OPEN);
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

    /** How the pidfd was obtained, for tests. */
    Origin origin() {
        return origin;
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
        return "pidfd of pid " + pid + " (" + origin + ")";
    }
}
