package dev.spiffecsi.backend.fuseproxy.delegated;

import dev.spiffecsi.backend.fuseproxy.delegated.proto.FetchJWTSVIDsRequest;
import dev.spiffecsi.backend.fuseproxy.delegated.proto.SubscribeToX509SVIDsRequest;
import dev.spiffecsi.backend.fuseproxy.delegated.proto.types.Selector;
import java.util.List;

/**
 * Whom the driver asks the SPIRE agent's Delegated Identity API for: the agent issues to the delegate the identities
 * of the workload named here. Exactly one of pid and selectors goes into a request; the agent refuses both or none.
 */
public sealed interface Delegation {

    SubscribeToX509SVIDsRequest x509SvidsRequest();

    FetchJWTSVIDsRequest jwtSvidsRequest(List<String> audience);

    /**
     * A process, which the agent attests itself with its workload attestors (needs SPIRE 1.10.2 or later; an older
     * agent ignores the field and answers as for nobody). The pid must be valid in the agent's pid namespace.
     */
    record ByPid(int pid) implements Delegation {
        public ByPid {
            if (pid <= 0) {
                throw new IllegalArgumentException("not a process id: " + pid);
            }
        }

        @Override
        public SubscribeToX509SVIDsRequest x509SvidsRequest() {
            return SubscribeToX509SVIDsRequest.newBuilder().setPid(pid).build();
        }

        @Override
        public FetchJWTSVIDsRequest jwtSvidsRequest(List<String> audience) {
            return FetchJWTSVIDsRequest.newBuilder().addAllAudience(audience).setPid(pid).build();
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
            return SubscribeToX509SVIDsRequest.newBuilder().addAllSelectors(selectors).build();
        }

        @Override
        public FetchJWTSVIDsRequest jwtSvidsRequest(List<String> audience) {
            return FetchJWTSVIDsRequest.newBuilder().addAllAudience(audience).addAllSelectors(selectors).build();
        }

        @Override
        public String toString() {
            return "selectors " + selectors.stream().map(s -> s.getType() + ":" + s.getValue()).toList();
        }
    }
}
