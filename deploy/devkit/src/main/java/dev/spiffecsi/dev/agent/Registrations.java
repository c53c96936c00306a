package dev.spiffecsi.dev.agent;

import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import io.spiffe.spiffeid.SpiffeId;
import java.util.List;
import java.util.Set;

/** The registration entries, and which of them a workload gets. */
final class Registrations {

    private final List<RegistrationEntry> entries;
    private final SpiffeId defaultId;

    Registrations(List<RegistrationEntry> entries, SpiffeId defaultId) {
        this.entries = List.copyOf(entries);
        this.defaultId = defaultId;
    }

    /**
     * An attested process's one identity: the first entry that matches it, else the default identity, as if an
     * entry gave it to the process's uid. Workload API callers, admin socket callers and processes a delegate names
     * by pid are all identified this way, so a process is the same workload whichever way the agent meets it.
     */
    RegistrationEntry identify(UnixPeer process) {
        Set<WorkloadSelector> attested = Set.of(WorkloadSelector.uid(process.uid()));
        for (RegistrationEntry entry : entries) {
            if (entry.matches(attested)) {
                return entry;
            }
        }
        return new RegistrationEntry(process.uid(), defaultId);
    }

    /**
     * Every entry that a workload described by {@code selectors} matches, in registration order, as SPIRE answers
     * a Delegated Identity API request by selectors: no default identity, so an unknown workload gets nothing.
     */
    List<RegistrationEntry> matching(Set<WorkloadSelector> selectors) {
        return entries.stream().filter(entry -> entry.matches(selectors)).toList();
    }
}
