package dev.spiffecsi.dev.agent;

/**
 * Who is calling the Workload API, as the kernel reports the other end of the connection (SO_PEERCRED): the
 * caller cannot choose these values, which is what makes them usable for attestation.
 */
public record Caller(int pid, int uid) {

    @Override
    public String toString() {
        return "pid=" + pid + " uid=" + uid;
    }
}
