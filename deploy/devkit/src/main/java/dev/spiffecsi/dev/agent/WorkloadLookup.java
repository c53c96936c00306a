package dev.spiffecsi.dev.agent;

import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import dev.spiffecsi.backend.fuseproxy.protocol.types.Selector;
import io.grpc.Status;
import io.grpc.StatusException;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds the workload a Delegated Identity API request is about, and the registration entries it gets, with SPIRE's
 * rules: the request names it either by pid or by selectors, never both. A process named by pid is attested as if
 * it called the Workload API itself, and gets the same one identity. Selectors are taken as attested, unchecked,
 * and get every entry they match, possibly none.
 */
final class WorkloadLookup {

    /** A workload, described for messages, and its entries. */
    record Workload(String description, List<RegistrationEntry> entries) {}

    private final Registrations registrations;

    WorkloadLookup(Registrations registrations) {
        this.registrations = registrations;
    }

    /**
     * @param pid 0 when the request names selectors, as protobuf leaves an unset pid
     * @throws StatusException INVALID_ARGUMENT for a request naming both or neither, or a malformed selector;
     *                         INTERNAL when the process cannot be attested
     */
    Workload find(List<Selector> selectors, int pid) throws StatusException {
        if ((pid != 0) == !selectors.isEmpty()) {
            throw Status.INVALID_ARGUMENT
                    .withDescription("must provide either selectors or non-zero PID, but not both")
                    .asException();
        }
        return pid != 0 ? byPid(pid) : bySelectors(selectors);
    }

    private Workload byPid(int pid) throws StatusException {
        UnixPeer process;
        try {
            process = ProcessAttestor.attest(pid);
        } catch (IOException e) {
            throw Status.INTERNAL
                    .withDescription("workload attestation failed: " + e.getMessage())
                    .asException();
        }
        return new Workload("process " + process, List.of(registrations.identify(process)));
    }

    private Workload bySelectors(List<Selector> selectors) throws StatusException {
        Set<WorkloadSelector> parsed = new TreeSet<>();
        try {
            for (Selector selector : selectors) {
                parsed.add(new WorkloadSelector(selector.getType(), selector.getValue()));
            }
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT
                    .withDescription("could not parse provided selectors: " + e.getMessage())
                    .asException();
        }
        return new Workload("selectors " + parsed, registrations.matching(parsed));
    }
}
