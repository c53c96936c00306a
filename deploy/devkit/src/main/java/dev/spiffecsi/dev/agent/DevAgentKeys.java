package dev.spiffecsi.dev.agent;

import com.google.protobuf.ByteString;
import io.spiffe.spiffeid.TrustDomain;
import java.security.cert.CertificateEncodingException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The signing keys of every trust domain a {@link DevAgent} knows, and their public halves, the bundles: its own
 * trust domain, whose keys issue every SVID, and the federated ones, which only contribute bundles (the dev agent
 * has no federation protocol, so it simply owns their keys too).
 *
 * <p>{@link DevAgent#start(DevAgentSettings)} makes new keys. Tests that restart an agent hand the same keys to
 * {@link DevAgent#start(DevAgentSettings, DevAgentKeys)}, so that the bundles clients hold stay valid, or new keys
 * to show what a changed trust anchor does. The keys exist only in this process's memory.
 */
public final class DevAgentKeys {

    private final CertificateAuthority ca;
    private final JwtAuthority jwt;
    /** Own trust domain first; each bundle encoded once, since the keys never rotate. */
    private final List<TrustDomain> trustDomains;

    private final Map<TrustDomain, ByteString> x509Bundles;
    private final Map<TrustDomain, ByteString> jwtBundles;

    private DevAgentKeys(
            CertificateAuthority ca,
            JwtAuthority jwt,
            List<TrustDomain> trustDomains,
            Map<TrustDomain, ByteString> x509Bundles,
            Map<TrustDomain, ByteString> jwtBundles) {
        this.ca = ca;
        this.jwt = jwt;
        this.trustDomains = List.copyOf(trustDomains);
        this.x509Bundles = Map.copyOf(x509Bundles);
        this.jwtBundles = Map.copyOf(jwtBundles);
    }

    /** New keys for the settings' trust domain and for each of its federated trust domains. */
    public static DevAgentKeys create(DevAgentSettings settings) {
        TrustDomain own = settings.trustDomain();
        CertificateAuthority ca = CertificateAuthority.create(own);
        JwtAuthority jwt = JwtAuthority.create(own);
        List<TrustDomain> trustDomains = new ArrayList<>(List.of(own));
        Map<TrustDomain, ByteString> x509Bundles = new HashMap<>(Map.of(own, der(ca)));
        Map<TrustDomain, ByteString> jwtBundles = new HashMap<>(Map.of(own, jwks(jwt)));
        for (TrustDomain federated : settings.federatedDomains()) {
            trustDomains.add(federated);
            x509Bundles.put(federated, der(CertificateAuthority.create(federated)));
            jwtBundles.put(federated, jwks(JwtAuthority.create(federated)));
        }
        return new DevAgentKeys(ca, jwt, trustDomains, x509Bundles, jwtBundles);
    }

    /** Issues the X.509-SVIDs, all of the agent's own trust domain. */
    CertificateAuthority ca() {
        return ca;
    }

    /** Signs and validates the JWT-SVIDs, all of the agent's own trust domain. */
    JwtAuthority jwt() {
        return jwt;
    }

    /** The agent's own trust domain, then the federated ones. */
    List<TrustDomain> trustDomains() {
        return trustDomains;
    }

    /** Whether these are the keys an agent with {@code settings} needs: the same trust domains, no more, no fewer. */
    boolean fit(DevAgentSettings settings) {
        return trustDomains.getFirst().equals(settings.trustDomain())
                && Set.copyOf(trustDomains.subList(1, trustDomains.size()))
                        .equals(Set.copyOf(settings.federatedDomains()));
    }

    /** The X.509 bundle of {@code domain}: its CA certificate, DER encoded. */
    ByteString x509Bundle(TrustDomain domain) {
        return x509Bundles.get(domain);
    }

    /** The X.509 bundles of {@code domains}, keyed by trust domain ID ({@code spiffe://example.org}). */
    Map<String, ByteString> x509Bundles(Collection<TrustDomain> domains) {
        return byId(domains, x509Bundles);
    }

    /** The JWT bundles (JWKS documents) of {@code domains}, keyed by trust domain ID. */
    Map<String, ByteString> jwtBundles(Collection<TrustDomain> domains) {
        return byId(domains, jwtBundles);
    }

    private static Map<String, ByteString> byId(Collection<TrustDomain> domains, Map<TrustDomain, ByteString> all) {
        Map<String, ByteString> selected = new LinkedHashMap<>();
        for (TrustDomain domain : domains) {
            selected.put(domain.toIdString(), all.get(domain));
        }
        return selected;
    }

    private static ByteString jwks(JwtAuthority jwt) {
        return ByteString.copyFrom(jwt.jwks());
    }

    private static ByteString der(CertificateAuthority ca) {
        try {
            return ByteString.copyFrom(ca.certificate().getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode the CA certificate", e);
        }
    }
}
