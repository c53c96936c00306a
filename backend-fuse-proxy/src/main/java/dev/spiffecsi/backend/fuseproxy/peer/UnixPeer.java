package dev.spiffecsi.backend.fuseproxy.peer;

import java.util.Optional;

/**
 * The process at the other end of a Unix socket connection, as the kernel recorded it when that process connected
 * (SO_PEERCRED). The caller cannot choose these values, which is what makes them usable for attestation. The pid is
 * in the pid namespace of the process that accepted the connection.
 */
public record UnixPeer(int pid, int uid, int gid) {

    /** The peer as a log line names it, or what the log says when the kernel did not tell. */
    public static String describe(Optional<UnixPeer> peer) {
        return peer.map(UnixPeer::toString).orElse("an unidentified caller");
    }

    @Override
    public String toString() {
        return "pid=" + pid + " uid=" + uid + " gid=" + gid;
    }
}
