package dev.spiffecsi.backend.fuseproxy.workload;

import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.peer.PeerProcess;
import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import java.util.Optional;

/** How the caller of a volume's Workload API is named to the SPIRE agent. */
@FunctionalInterface
public interface CallerResolver {

    /**
     * @param peer    the connecting process, when the kernel told
     * @param process tracks that process for as long as the connection lasts
     * @return the delegation to ask the agent with; empty when this caller cannot be named (it is then refused)
     */
    Optional<Delegation> resolve(Optional<UnixPeer> peer, PeerProcess process);
}
