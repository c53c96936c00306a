package dev.spiffecsi.backend.fuseproxy.peer;

/**
 * Whether the process that opened a connection still runs, so that its pid still names it: once it has exited, the
 * kernel may give the pid to any other process (another container, another pod), and asking the agent for "the
 * identity of that pid" would then name the wrong process. The connection itself may outlive the process (a forked
 * child keeps it). Closed with the connection.
 */
public interface PeerProcess extends AutoCloseable {

    /** Not tracked (the kernel has no pidfds): never reported as exited, as before the guard existed. */
    PeerProcess UNTRACKED = () -> false;

    /** Known to have exited, or not trackable for another reason: every check fails. */
    PeerProcess EXITED = () -> true;

    /**
     * True once the process is known to have exited (or its tracking was closed): its pid may name another process.
     * False while it runs (a zombie, not yet reaped, still holds its pid).
     */
    boolean hasExited();

    /** Releases what tracks the process (the pidfd); idempotent. */
    @Override
    default void close() {}

    /** Starts tracking the process at the other end of a newly accepted connection. */
    @FunctionalInterface
    interface Tracker {
        /** The kernel's pidfds, from the socket itself where the kernel has SO_PEERPIDFD ({@link PidFd#ofPeer}). */
        Tracker PIDFD = PidFd::ofPeer;

        /**
         * @param socketFd the connection's file descriptor, open for the duration of the call
         * @param pid      the peer's pid, from SO_PEERCRED (positive)
         */
        PeerProcess track(int socketFd, int pid);
    }
}
