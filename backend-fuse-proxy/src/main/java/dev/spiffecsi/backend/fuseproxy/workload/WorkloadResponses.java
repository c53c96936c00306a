package dev.spiffecsi.backend.fuseproxy.workload;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.delegated.TrustDomainIds;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.X509SVIDWithKey;
import dev.spiffecsi.backend.fuseproxy.protocol.types.SPIFFEID;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.JWTBundlesResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509BundlesResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVID;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVIDResponse;
import java.util.Map;
import java.util.Optional;

/**
 * Delegated Identity API data as Workload API stream messages. Each message is the full current state, as the
 * Workload API requires, and holds only the bundles of the caller's {@link TrustScope}.
 */
final class WorkloadResponses {

    /** FetchX509SVID: each SVID with its chain, key and own trust domain's bundle; the federated bundles beside. */
    static final ResponseComposer<X509SVIDResponse> X509_SVIDS = WorkloadResponses::x509Svids;

    /** FetchX509Bundles: the X.509 bundles of the caller's own and federated trust domains. */
    static final ResponseComposer<X509BundlesResponse> X509_BUNDLES = (identities, bundles) -> TrustScope.of(identities)
            .select(bundles)
            .map(selected ->
                    X509BundlesResponse.newBuilder().putAllBundles(selected).build());

    /** FetchJWTBundles: the JWKS documents of the caller's own and federated trust domains. */
    static final ResponseComposer<JWTBundlesResponse> JWT_BUNDLES = (identities, bundles) -> TrustScope.of(identities)
            .select(bundles)
            .map(selected ->
                    JWTBundlesResponse.newBuilder().putAllBundles(selected).build());

    private WorkloadResponses() {}

    private static Optional<X509SVIDResponse> x509Svids(
            SubscribeToX509SVIDsResponse identities, Map<String, ByteString> bundles) {
        TrustScope scope = TrustScope.of(identities);
        Optional<Map<String, ByteString>> selected = scope.select(bundles);
        if (selected.isEmpty()) {
            return Optional.empty();
        }
        X509SVIDResponse.Builder response = X509SVIDResponse.newBuilder();
        for (X509SVIDWithKey issued : identities.getX509SvidsList()) {
            SPIFFEID id = issued.getX509Svid().getId();
            response.addSvids(X509SVID.newBuilder()
                    .setSpiffeId(spiffeId(id))
                    .setX509Svid(ByteString.copyFrom(issued.getX509Svid().getCertChainList()))
                    .setX509SvidKey(issued.getX509SvidKey())
                    .setBundle(selected.get().get(TrustDomainIds.of(id.getTrustDomain())))
                    .setHint(issued.getX509Svid().getHint()));
        }
        scope.federated().stream()
                .filter(selected.get()::containsKey)
                .forEach(trustDomain ->
                        response.putFederatedBundles(trustDomain, selected.get().get(trustDomain)));
        return Optional.of(response.build());
    }

    /** {@code spiffe://<trust domain><path>}; the path has its leading slash. */
    static String spiffeId(SPIFFEID id) {
        return TrustDomainIds.of(id.getTrustDomain()) + id.getPath();
    }
}
