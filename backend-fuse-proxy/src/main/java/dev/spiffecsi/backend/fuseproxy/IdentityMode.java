package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import dev.spiffecsi.backend.fuseproxy.protocol.types.Selector;
import dev.spiffecsi.backend.fuseproxy.workload.CallerResolver;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.PodInfo;
import java.util.List;
import java.util.Optional;

/** How a volume's callers are named to the SPIRE agent: the {@code identity} setting. */
enum IdentityMode {

    /**
     * By the caller's process id from SO_PEERCRED; the agent attests that process itself, exactly as if it had
     * called the agent's own Workload API socket, so every container (and process) of a pod gets what its
     * registration entries say. Needs SPIRE 1.10.2 or later, and the driver and the agent in the same pid namespace
     * (both hostPID), since the pid is the one the driver sees. A process that exits while another (a forked child)
     * keeps its connection could have its pid reused by an unrelated process; so the process is tracked by a pidfd
     * taken from the connection itself (SO_PEERPIDFD: the process as of connect time), and once it has exited
     * nothing more is asked or passed on for that connection (see {@link dev.spiffecsi.backend.fuseproxy.peer.PidFd}).
     */
    PID("pid") {
        @Override
        CallerResolver callersOf(PodInfo pod) {
            return (peer, process) -> peer.map(UnixPeer::pid)
                    .filter(pid -> pid > 0)
                    .<CallerResolver.Resolution>map(pid -> new CallerResolver.Named(new Delegation.ByPid(pid, process)))
                    .orElseGet(CallerResolver::unidentified);
        }
    },

    /**
     * By the pod the volume was published for: the selectors {@code k8s:pod-uid}, {@code k8s:ns} and
     * {@code k8s:sa}, built from the pod information the kubelet sent with the publish request. The agent takes
     * selectors from a delegate as attested without checking anything, so this trusts the driver's knowledge of the
     * pod, which comes from the kubelet (podInfoOnMount); every caller of the volume, in any of the pod's containers,
     * gets the same identities. The agent matches an entry when <em>all</em> of the entry's selectors are among the
     * ones sent (subset matching), so all three are always sent: an entry registered by namespace and service
     * account matches as well as one registered by pod uid. Entries with other selectors (container name, image,
     * labels) never match in this mode.
     */
    POD_SELECTORS("pod-selectors") {
        @Override
        CallerResolver callersOf(PodInfo pod) {
            CallerResolver.Named selectors = new CallerResolver.Named(podSelectors(pod, "identity = pod-selectors"));
            return (peer, process) -> selectors;
        }
    };

    private final String settingValue;

    IdentityMode(String settingValue) {
        this.settingValue = settingValue;
    }

    /**
     * How the callers of a volume published for {@code pod} are named.
     *
     * @throws BackendException INVALID_REQUEST if the pod information this mode needs is missing
     */
    abstract CallerResolver callersOf(PodInfo pod);

    static Optional<IdentityMode> fromSetting(String value) {
        for (IdentityMode mode : values()) {
            if (mode.settingValue.equals(value)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }

    /**
     * The pod as the agent knows it from its workload attestor: {@code k8s:pod-uid}, {@code k8s:ns} and
     * {@code k8s:sa}.
     *
     * @param who what needs them, for the message
     * @throws BackendException INVALID_REQUEST if the kubelet did not send the pod's uid, namespace and service
     *                          account
     */
    static Delegation.BySelectors podSelectors(PodInfo pod, String who) {
        if (pod.uid().isEmpty()
                || pod.namespace().isEmpty()
                || pod.serviceAccount().isEmpty()) {
            throw new BackendException(
                    BackendException.Failure.INVALID_REQUEST,
                    who + " needs the pod's uid, "
                            + "namespace and service account in the volume context (" + PodInfo.POD_UID + ", "
                            + PodInfo.POD_NAMESPACE + ", " + PodInfo.SERVICE_ACCOUNT + ": podInfoOnMount: true on the "
                            + "CSIDriver object); got " + pod);
        }
        return new Delegation.BySelectors(
                List.of(k8s("pod-uid:" + pod.uid()), k8s("ns:" + pod.namespace()), k8s("sa:" + pod.serviceAccount())));
    }

    private static Selector k8s(String value) {
        return Selector.newBuilder().setType("k8s").setValue(value).build();
    }

    @Override
    public String toString() {
        return settingValue;
    }
}
