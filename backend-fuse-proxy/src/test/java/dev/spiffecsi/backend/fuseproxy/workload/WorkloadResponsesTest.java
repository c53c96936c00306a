package dev.spiffecsi.backend.fuseproxy.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.X509SVIDWithKey;
import dev.spiffecsi.backend.fuseproxy.protocol.types.SPIFFEID;
import dev.spiffecsi.backend.fuseproxy.protocol.types.X509SVID;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVIDResponse;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Delegated updates as Workload API messages, and the bundles a caller may see. */
class WorkloadResponsesTest {

    private static final ByteString LEAF = ByteString.copyFromUtf8("leaf");
    private static final ByteString INTERMEDIATE = ByteString.copyFromUtf8("intermediate");
    private static final ByteString KEY = ByteString.copyFromUtf8("key");
    private static final Map<String, ByteString> AGENT_BUNDLES = Map.of(
            "spiffe://example.org", ByteString.copyFromUtf8("own CA"),
            "spiffe://partner.test", ByteString.copyFromUtf8("partner CA"),
            "spiffe://unrelated.test", ByteString.copyFromUtf8("unrelated CA"));

    private static SubscribeToX509SVIDsResponse identities(String trustDomain, String... federatesWith) {
        return SubscribeToX509SVIDsResponse.newBuilder()
                .addX509Svids(X509SVIDWithKey.newBuilder()
                        .setX509Svid(X509SVID.newBuilder()
                                .setId(SPIFFEID.newBuilder()
                                        .setTrustDomain(trustDomain)
                                        .setPath("/ns/default/sa/app"))
                                .addCertChain(LEAF)
                                .addCertChain(INTERMEDIATE)
                                .setHint("internal"))
                        .setX509SvidKey(KEY))
                .addAllFederatesWith(java.util.List.of(federatesWith))
                .build();
    }

    @Test
    void anX509SvidCarriesItsChainKeyAndOwnBundleAndOnlyTheFederatedBundles() {
        X509SVIDResponse response = WorkloadResponses.X509_SVIDS
                .compose(identities("example.org", "spiffe://partner.test"), AGENT_BUNDLES)
                .orElseThrow();

        assertEquals(1, response.getSvidsCount());
        assertEquals(
                "spiffe://example.org/ns/default/sa/app", response.getSvids(0).getSpiffeId());
        assertEquals(LEAF.concat(INTERMEDIATE), response.getSvids(0).getX509Svid(), "DER chain, leaf first");
        assertEquals(KEY, response.getSvids(0).getX509SvidKey());
        assertEquals(ByteString.copyFromUtf8("own CA"), response.getSvids(0).getBundle());
        assertEquals("internal", response.getSvids(0).getHint());
        assertEquals(
                Map.of("spiffe://partner.test", ByteString.copyFromUtf8("partner CA")),
                response.getFederatedBundlesMap());
    }

    @Test
    void bundleStreamsCarryTheCallersOwnAndFederatedTrustDomainsOnly() {
        assertEquals(
                Map.of(
                        "spiffe://example.org",
                        ByteString.copyFromUtf8("own CA"),
                        "spiffe://partner.test",
                        ByteString.copyFromUtf8("partner CA")),
                WorkloadResponses.X509_BUNDLES
                        .compose(identities("example.org", "partner.test"), AGENT_BUNDLES)
                        .orElseThrow()
                        .getBundlesMap());
        assertEquals(
                Map.of("spiffe://example.org", ByteString.copyFromUtf8("own CA")),
                WorkloadResponses.JWT_BUNDLES
                        .compose(identities("example.org"), AGENT_BUNDLES)
                        .orElseThrow()
                        .getBundlesMap());
    }

    @Test
    void nothingIsSentUntilTheOwnTrustDomainsBundleIsKnown() {
        assertEquals(
                Optional.empty(),
                WorkloadResponses.X509_SVIDS.compose(
                        identities("example.org"),
                        Map.of("spiffe://partner.test", ByteString.copyFromUtf8("partner CA"))));
        assertTrue(
                WorkloadResponses.X509_SVIDS
                        .compose(identities("example.org", "spiffe://missing.test"), AGENT_BUNDLES)
                        .orElseThrow()
                        .getFederatedBundlesMap()
                        .isEmpty(),
                "an unknown federated one is left out");
    }
}
