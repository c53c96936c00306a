package dev.spiffecsi.backend.fuseproxy.workload;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.delegated.TrustDomainIds;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.X509SVIDWithKey;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The trust domains whose bundles a workload may be given: those of its own SVIDs and those its registration
 * entries federate with. The agent's bundle streams carry every trust domain it knows, which is none of a
 * workload's business: only these are passed on.
 *
 * @param own       trust domain IDs of the workload's SVIDs
 * @param federated trust domain IDs its entries federate with, other than its own
 */
record TrustScope(Set<String> own, Set<String> federated) {

    TrustScope {
        own = Set.copyOf(own);
        federated = Set.copyOf(federated);
    }

    static TrustScope of(SubscribeToX509SVIDsResponse identities) {
        Set<String> own = new LinkedHashSet<>();
        for (X509SVIDWithKey svid : identities.getX509SvidsList()) {
            own.add(TrustDomainIds.of(svid.getX509Svid().getId().getTrustDomain()));
        }
        Set<String> federated = new LinkedHashSet<>();
        for (String trustDomain : identities.getFederatesWithList()) {
            String id = TrustDomainIds.of(trustDomain);
            if (!own.contains(id)) {
                federated.add(id);
            }
        }
        return new TrustScope(own, federated);
    }

    boolean contains(String trustDomainId) {
        return own.contains(trustDomainId) || federated.contains(trustDomainId);
    }

    /**
     * The bundles of this scope, keyed by trust domain ID; empty until the bundle of every own trust domain is
     * known. A federated trust domain whose bundle the agent does not have (yet) is left out.
     */
    Optional<Map<String, ByteString>> select(Map<String, ByteString> bundles) {
        Map<String, ByteString> selected = new TreeMap<>();
        for (String trustDomain : own) {
            ByteString bundle = bundles.get(trustDomain);
            if (bundle == null) {
                return Optional.empty();
            }
            selected.put(trustDomain, bundle);
        }
        for (String trustDomain : federated) {
            ByteString bundle = bundles.get(trustDomain);
            if (bundle != null) {
                selected.put(trustDomain, bundle);
            }
        }
        return Optional.of(selected);
    }
}
