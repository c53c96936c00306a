package dev.spiffecsi.backend.fuseproxy.delegated;

import dev.spiffecsi.backend.fuseproxy.peer.PeerProcess;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.FetchJWTSVIDsRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.types.Selector;
import java.util.List;

/**
 * Whom the driver asks the SPIRE agent's Delegated Identity API for: the agent issues to the delegate the identities
 * of the workload named here. Exactly one of pid and selectors goes into a request; the agent refuses both or none.
 */
public sealed interface Delegation {

    SubscribeToX509SVIDsRequest x509SvidsRequest();

    FetchJWTSVIDsRequest jwtSvidsRequest(List<String> audience);

    /**
     * True when the workload named here is gone and must not be asked for: a process that has exited, whose pid may
     * name another process by now. Checked before every request and on every answer (see {@link AgentClient}).
     */
    default boolean hasExited() {
        return false;
    }

    /**
     * A process, which the agent attests itself with its workload attestors (needs SPIRE 1.10.2 or later; an older
     * agent ignores the field and answers as for nobody). The pid must be valid in the agent's pid namespace.
     *
     * @param process tracks the process, so that it is not mistaken for another that reused its pid
     */
    record ByPid(int pid, PeerProcess process) implements Delegation {
        public ByPid {
            if (pid <= 0) {
                throw new IllegalArgumentException("not a process id: " + pid);
            }
            if (process == null) {
                throw new IllegalArgumentException("no process tracking for pid " + pid);
            }
        }

        /** A process that is not tracked. */
        public ByPid(int pid) {
            this(pid, PeerProcess.UNTRACKED);
        }

        @Override
        public boolean hasExited() {
            return process.hasExited();
        }

        @Override
        public SubscribeToX509SVIDsRequest x509SvidsRequest() {
            return SubscribeToX509SVIDsRequest.newBuilder().setPid(pid).build();
        }

        @Override
        public FetchJWTSVIDsRequest jwtSvidsRequest(List<String> audience) {
            return FetchJWTSVIDsRequest.newBuilder()
                    .addAllAudience(audience)
                    .setPid(pid)
                    .build();
        }

        @Override
        public String toString() {
            return "pid " + pid;
        }
    }

    /**
     * Selectors that the agent takes as attested, without checking anything: whoever sends them vouches for them.
     * An entry matches when all of its selectors are among them.
     */
    record BySelectors(List<Selector> selectors) implements Delegation {
        public BySelectors {
            selectors = List.copyOf(selectors);
            if (selectors.isEmpty()) {
                throw new IllegalArgumentException("no selectors");
            }
        }

        @Override
        public SubscribeToX509SVIDsRequest x509SvidsRequest() {
            return SubscribeToX509SVIDsRequest.newBuilder()
                    .addAllSelectors(selectors)
                    .build();
        }

        @Override
        public FetchJWTSVIDsRequest jwtSvidsRequest(List<String> audience) {
            return FetchJWTSVIDsRequest.newBuilder()
                    .addAllAudience(audience)
                    .addAllSelectors(selectors)
                    .build();
        }

        @Override
        public String toString() {
            return "selectors "
                    + selectors.stream()
                            .map(s -> s.getType() + ":" + s.getValue())
                            .toList();
        }
    }
}
