package dev.spiffecsi.backend.fuseproxy.protocol;

import java.util.Optional;

/**
 * The names (and grouping) of the credential files a pod reads in a files-mode volume: the SPIFFE Filesystem Delivery
 * draft's, or those of the tools whose configurations should keep working unchanged. Exported: these names are what
 * pods, the demo and the tests read; what goes into each file is the backend's own business ({@code files/}).
 */
public enum FileLayout {

    /**
     * The SPIFFE Filesystem Delivery draft (spiffe/spiffe#376) as its review settled it, and as spiffe/spiffefs
     * serves it: one credential bundle, the PKCS#8 key first and then the chain, so that a reader that opens, reads
     * and closes it once never pairs a key and a chain of two rotations; one trust bundle per trust domain; the
     * {@code .x509.pem} suffix leaves room for other SVID types beside them.
     */
    SPIFFE("spiffe"),
    /** spiffe-helper's defaults: {@code svid.pem}, {@code svid_key.pem}, {@code svid_bundle.pem}. */
    SPIFFE_HELPER("spiffe-helper"),
    /** cert-manager's csi-driver-spiffe: {@code tls.crt}, {@code tls.key}, {@code ca.crt}. */
    CERT_MANAGER("cert-manager");

    public static final String CREDENTIAL_BUNDLE = "credential-bundle.private-key.x509.pem";
    public static final String TRUST_BUNDLE_SUFFIX = ".spiffe-trust-bundle.x509.pem";
    public static final String JWT_BUNDLE_SUFFIX = ".spiffe-trust-bundle.jwt.json";
    public static final String JWT_SVID_SUFFIX = ".jwt-svid.token";

    private final String attributeValue;

    FileLayout(String attributeValue) {
        this.attributeValue = attributeValue;
    }

    public static Optional<FileLayout> fromAttribute(String value) {
        for (FileLayout layout : values()) {
            if (layout.attributeValue.equals(value)) {
                return Optional.of(layout);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return attributeValue;
    }
}
