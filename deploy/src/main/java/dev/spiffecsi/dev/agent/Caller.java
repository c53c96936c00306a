package dev.spiffecsi.dev.agent;

import java.util.Set;

/**
 * A process the agent attests: the caller on the other end of a connection, as the kernel reports it
 * (SO_PEERCRED), or a process a delegate names by pid. The caller cannot choose these values, which is what makes
 * them usable for attestation.
 */
public record Caller(int pid, int uid) {

    /** The selectors attestation yields, matched against the registration entries. */
    Set<WorkloadSelector> selectors() {
        return Set.of(WorkloadSelector.uid(uid));
    }

    @Override
    public String toString() {
        return "pid=" + pid + " uid=" + uid;
    }
}
