package dev.spiffecsi.backend.fuseproxy.delegated;

import io.grpc.Status;
import java.util.Set;

/** How a status from the SPIRE agent is read: an answer about the request, or trouble reaching the agent. */
public final class AgentStatus {

    /** The agent looked at the request and refused it; asking again the same way gets the same answer. */
    private static final Set<Status.Code> ANSWERS = Set.of(
            Status.Code.INVALID_ARGUMENT,
            Status.Code.PERMISSION_DENIED,
            Status.Code.UNAUTHENTICATED,
            Status.Code.UNIMPLEMENTED,
            Status.Code.NOT_FOUND,
            Status.Code.FAILED_PRECONDITION,
            Status.Code.OUT_OF_RANGE,
            Status.Code.ALREADY_EXISTS);

    private AgentStatus() {}

    /** True for a refusal by the agent; false for a lost connection, a restart, a timeout or an agent fault. */
    public static boolean isAnswer(Status status) {
        return ANSWERS.contains(status.getCode());
    }

    /**
     * The status a workload gets for a failed delegated call: the agent's own answers pass through (PERMISSION_DENIED
     * "no identity issued" in particular, which clients retry with backoff); anything else means the agent could
     * not be reached or could not answer now, which the Workload API standard calls UNAVAILABLE.
     */
    public static Status forWorkload(Status agentStatus) {
        if (isAnswer(agentStatus)) {
            return Status.fromCode(agentStatus.getCode()).withDescription(agentStatus.getDescription());
        }
        return Status.UNAVAILABLE.withDescription("the SPIRE agent cannot answer now: " + agentStatus.getCode()
                + (agentStatus.getDescription() == null ? "" : " " + agentStatus.getDescription()));
    }
}
