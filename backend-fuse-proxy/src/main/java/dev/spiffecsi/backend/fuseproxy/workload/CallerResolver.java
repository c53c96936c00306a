package dev.spiffecsi.backend.fuseproxy.workload;

import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.peer.PeerProcess;
import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import io.grpc.Status;
import java.util.Optional;

/** How the caller of a volume's Workload API is named to the SPIRE agent, or why it is refused. */
@FunctionalInterface
public interface CallerResolver {

    /**
     * @param peer    the connecting process, when the kernel told
     * @param process tracks that process for as long as the connection lasts
     * @return the delegation to ask the agent with, or why the call is refused
     */
    Resolution resolve(Optional<UnixPeer> peer, PeerProcess process);

    /** A caller named, or refused. */
    sealed interface Resolution permits Named, Refused {}

    /** The caller, as the agent is asked about it. */
    record Named(Delegation delegation) implements Resolution {}

    /**
     * @param status what the caller gets
     * @param reason why, for the volume's log; values the caller may have chosen are already made safe
     */
    record Refused(Status status, String reason) implements Resolution {}

    /** The refusal of a caller the kernel did not report (no SO_PEERCRED). */
    static Refused unidentified() {
        return new Refused(
                Status.UNAUTHENTICATED.withDescription("the driver cannot tell who is calling"),
                "the kernel did not report the caller's process (SO_PEERCRED)");
    }
}
