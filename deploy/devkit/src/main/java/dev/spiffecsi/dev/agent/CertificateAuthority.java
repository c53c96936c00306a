package dev.spiffecsi.dev.agent;

import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed X.509 CA for one trust domain that issues X.509-SVIDs (EC P-256, the SPIFFE ID as the only URI
 * SAN) as the X509-SVID specification describes them. Its key exists only in this process's memory and it never
 * rotates; it lives {@value #CA_LIFETIME_DAYS} days, so an agent must be restarted within that time. Fine for a
 * development agent, wrong for anything else.
 */
final class CertificateAuthority {

    private static final int CA_LIFETIME_DAYS = 30;
    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X500Name name;
    private final KeyPair keys;
    private final X509Certificate certificate;

    private CertificateAuthority(X500Name name, KeyPair keys, X509Certificate certificate) {
        this.name = name;
        this.keys = keys;
        this.certificate = certificate;
    }

    static CertificateAuthority create(TrustDomain trustDomain) {
        X500Name name = new X500Name("O=SPIFFE dev agent,CN=" + trustDomain.getName());
        KeyPair keys = newP256KeyPair();
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                            name,
                            serialNumber(),
                            Date.from(now),
                            Date.from(now.plus(Duration.ofDays(CA_LIFETIME_DAYS))),
                            name,
                            keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectAlternativeName, false, uriName(trustDomain.toIdString()))
                    .addExtension(
                            Extension.subjectKeyIdentifier,
                            false,
                            new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
            return new CertificateAuthority(name, keys, sign(builder, keys.getPrivate()));
        } catch (CertIOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create the CA of trust domain " + trustDomain, e);
        }
    }

    /** The CA certificate: the trust domain's X.509 bundle. */
    X509Certificate certificate() {
        return certificate;
    }

    /** A fresh key pair and a leaf certificate for {@code spiffeId}, valid for {@code ttl} from now. */
    IssuedX509Svid issue(SpiffeId spiffeId, Duration ttl) {
        KeyPair leafKeys = newP256KeyPair();
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                            name,
                            serialNumber(),
                            Date.from(now),
                            Date.from(now.plus(ttl)),
                            new X500Name("O=SPIFFE dev agent"),
                            leafKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(
                            Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                    }))
                    .addExtension(Extension.subjectAlternativeName, false, uriName(spiffeId.toString()))
                    .addExtension(
                            Extension.authorityKeyIdentifier,
                            false,
                            new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
            return new IssuedX509Svid(spiffeId, sign(builder, keys.getPrivate()), leafKeys.getPrivate());
        } catch (CertIOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue an X.509-SVID for " + spiffeId, e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(signingKey)));
    }

    private static GeneralNames uriName(String uri) {
        return new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
    }

    /** Positive, 128 random bits: unique without bookkeeping. */
    private static BigInteger serialNumber() {
        return new BigInteger(128, RANDOM).setBit(127);
    }

    private static KeyPair newP256KeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK always provides EC P-256", e);
        }
    }
}
