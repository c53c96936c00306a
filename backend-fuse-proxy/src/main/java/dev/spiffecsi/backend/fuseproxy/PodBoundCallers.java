package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.delegated.AgentClient;
import dev.spiffecsi.backend.fuseproxy.peer.PeerProcess;
import dev.spiffecsi.backend.fuseproxy.peer.PodMembership;
import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import dev.spiffecsi.backend.fuseproxy.workload.CallerResolver;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.LogSafe;
import dev.spiffecsi.spi.PodInfo;
import io.grpc.Status;
import java.util.Optional;

/**
 * The {@code require-pod-cgroup} check, in front of the identity mode's naming: a caller is named to the agent only
 * if its process belongs to the pod the volume was published for. Any process on the node that can reach the socket
 * (another pod sharing a host path, a process that was handed the volume's directory, a host process) would
 * otherwise be served as the pod, in {@code pod-selectors} mode with the pod's own identities. Refused callers get
 * UNAUTHENTICATED; one whose process has exited gets the same answer as when its exit is noticed later
 * ({@link AgentClient#WORKLOAD_EXITED}).
 */
final class PodBoundCallers implements CallerResolver {

    static final Status NOT_IN_POD = Status.UNAUTHENTICATED.withDescription(
            "the calling process does not belong to the pod this volume was published for");
    static final Status UNREADABLE =
            Status.UNAUTHENTICATED.withDescription("the driver cannot tell which pod the calling process belongs to");

    private final PodMembership membership;
    private final CallerResolver naming;

    private PodBoundCallers(PodMembership membership, CallerResolver naming) {
        this.membership = membership;
        this.naming = naming;
    }

    /**
     * Callers of a volume published for {@code pod}, checked, then named by {@code naming}.
     *
     * @throws BackendException INVALID_REQUEST when the kubelet sent no pod UID, or not one that a cgroup can name
     */
    static CallerResolver of(PodInfo pod, CallerResolver naming) {
        if (pod.uid().isEmpty()) {
            throw new BackendException(
                    BackendException.Failure.INVALID_REQUEST,
                    "require-pod-cgroup needs the "
                            + "pod's uid in the volume context (" + PodInfo.POD_UID + ": podInfoOnMount: true on the "
                            + "CSIDriver object) to check that callers belong to the pod; set "
                            + "spiffe-csi.backends.fuse-proxy.require-pod-cgroup = false to serve any caller that reaches "
                            + "the socket");
        }
        if (!PodMembership.isPodUid(pod.uid())) {
            throw new BackendException(
                    BackendException.Failure.INVALID_REQUEST,
                    PodInfo.POD_UID + " must be a " + "pod UID (hexadecimal digits and dashes, at most 64), got "
                            + LogSafe.value(pod.uid()));
        }
        return new PodBoundCallers(PodMembership.of(pod.uid()), naming);
    }

    /** With {@code membership} checking the callers, for tests. */
    static CallerResolver of(PodMembership membership, CallerResolver naming) {
        return new PodBoundCallers(membership, naming);
    }

    @Override
    public Resolution resolve(Optional<UnixPeer> peer, PeerProcess process) {
        if (peer.isEmpty()) {
            return CallerResolver.unidentified();
        }
        if (peer.get().pid() <= 0) {
            return new Refused(
                    UNREADABLE,
                    "the kernel reported no pid for the caller: its process is not in the "
                            + "driver's pid namespace, and require-pod-cgroup needs the driver in the host's (hostPID: true)");
        }
        PodMembership.Check check = membership.check(peer.get().pid(), process);
        String reason = "the calling process is " + check.detail() + ", not in pod " + membership.podUid();
        return switch (check.verdict()) {
            case IN_POD -> naming.resolve(peer, process);
            case NOT_IN_POD -> new Refused(NOT_IN_POD, reason);
            case UNREADABLE -> new Refused(UNREADABLE, "cannot tell the calling process's pod: " + check.detail());
            case EXITED ->
                new Refused(
                        AgentClient.WORKLOAD_EXITED,
                        "the calling process " + check.detail() + "; its pid may name another process by now");
        };
    }
}
