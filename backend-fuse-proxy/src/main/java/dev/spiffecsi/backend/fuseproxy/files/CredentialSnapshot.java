package dev.spiffecsi.backend.fuseproxy.files;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.X509SVIDWithKey;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a pod's files are made of at one moment, as the agent last sent it.
 *
 * @param svid       the default X.509-SVID (the first the agent lists) with its key
 * @param trustDomains the trust domain IDs whose bundles the pod gets: its own first, then the federated ones it
 *                     asked for, each only once its X.509 bundle is known
 * @param x509Bundles  concatenated DER CA certificates, keyed by trust domain ID
 * @param jwtBundles   JWKS documents keyed by trust domain ID; a trust domain may have none (yet)
 * @param jwtSvids     the current token of each audience that has one, keyed by audience
 */
record CredentialSnapshot(
        X509SVIDWithKey svid,
        List<String> trustDomains,
        Map<String, ByteString> x509Bundles,
        Map<String, ByteString> jwtBundles,
        Map<String, String> jwtSvids) {

    CredentialSnapshot {
        Objects.requireNonNull(svid, "svid");
        trustDomains = List.copyOf(trustDomains);
        x509Bundles = Map.copyOf(x509Bundles);
        jwtBundles = Map.copyOf(jwtBundles);
        jwtSvids = Map.copyOf(jwtSvids);
        if (trustDomains.isEmpty() || !x509Bundles.keySet().containsAll(trustDomains)) {
            throw new IllegalArgumentException("every trust domain served needs its X.509 bundle: " + trustDomains);
        }
    }
}
