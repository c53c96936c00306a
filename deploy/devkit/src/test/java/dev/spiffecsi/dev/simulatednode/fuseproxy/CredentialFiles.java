package dev.spiffecsi.dev.simulatednode.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.protocol.FileLayout;
import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.svid.x509svid.X509SvidValidator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A pod's credential files as an application loads them with java-spiffe ({@code X509Svid.load},
 * {@code X509Bundle.load}), straight from its volume, and a TLS context made of nothing else: the key and chain
 * as the key manager's, the bundle as the only trust, and the peer's SPIFFE ID checked by java-spiffe.
 *
 * <p>java-spiffe 0.8 has no loader for the filesystem-delivery draft's credential bundle (its certificate loader
 * stops at the PRIVATE KEY block that comes first), so that file is read the way the draft tells applications to:
 * once, in one open, read and close, and split in memory into the key and the chain for {@code X509Svid.parse}.
 *
 * @param svid   the pod's X.509-SVID with its key
 * @param bundle its trust domain's X.509 bundle
 */
record CredentialFiles(X509Svid svid, X509Bundle bundle) {

    /** The files of {@code layout} in the volume at {@code target}. */
    static CredentialFiles load(Path target, FileLayout layout, TrustDomain trustDomain) throws Exception {
        return switch (layout) {
            case SPIFFE ->
                new CredentialFiles(
                        credentialBundle(target.resolve(FileLayout.CREDENTIAL_BUNDLE)),
                        X509Bundle.load(
                                trustDomain, target.resolve(trustDomain.getName() + FileLayout.TRUST_BUNDLE_SUFFIX)));
            case SPIFFE_HELPER ->
                new CredentialFiles(
                        X509Svid.load(target.resolve("svid.pem"), target.resolve("svid_key.pem")),
                        X509Bundle.load(trustDomain, target.resolve("svid_bundle.pem")));
            case CERT_MANAGER ->
                new CredentialFiles(
                        X509Svid.load(target.resolve("tls.crt"), target.resolve("tls.key")),
                        X509Bundle.load(trustDomain, target.resolve("ca.crt")));
        };
    }

    /** The draft's credential bundle: one read, then the PRIVATE KEY block and the CERTIFICATE blocks apart. */
    private static X509Svid credentialBundle(Path file) throws Exception {
        String content = Files.readString(file, StandardCharsets.US_ASCII);
        String keyEnd = "-----END PRIVATE KEY-----\n";
        int split = content.indexOf(keyEnd) + keyEnd.length();
        if (!content.startsWith("-----BEGIN PRIVATE KEY-----\n") || split < keyEnd.length()) {
            throw new IllegalArgumentException(file + " does not start with a PRIVATE KEY block");
        }
        return X509Svid.parse(
                content.substring(split).getBytes(StandardCharsets.US_ASCII),
                content.substring(0, split).getBytes(StandardCharsets.US_ASCII));
    }

    /** A TLS context presenting this SVID and trusting only peers of the bundle whose SPIFFE ID is {@code peer}. */
    SSLContext tls(SpiffeId peer) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        char[] password = new char[0];
        keys.setKeyEntry("svid", svid.getPrivateKey(), password, svid.getChainArray());
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, password);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(keyManagers.getKeyManagers(), new TrustManager[] {new SpiffeTrust(bundle, peer)}, null);
        return context;
    }

    /** Chain verification against the bundle and SPIFFE ID authorization, both by java-spiffe. */
    private record SpiffeTrust(X509Bundle bundle, SpiffeId peer) implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            List<X509Certificate> certificates = Arrays.asList(chain);
            try {
                X509SvidValidator.verifyChain(certificates, trustDomain -> bundle);
            } catch (Exception e) {
                throw new CertificateException(
                        "the peer's chain does not verify against the bundle: " + e.getMessage(), e);
            }
            X509SvidValidator.verifySpiffeId(chain[0], () -> Set.of(peer));
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return bundle.getX509Authorities().toArray(new X509Certificate[0]);
        }
    }
}
