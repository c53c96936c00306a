package dev.spiffecsi.backend.fuseproxy.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** One trust domain's keys, as a SPIRE server holds them: an X.509 CA and a JWT signing key. */
public final class TrustDomainAuthority {

    /** An issued X.509-SVID: the leaf certificate and its private key. */
    public record IssuedSvid(X509Certificate certificate, KeyPair keys) {}

    /** How a JWT bundle is written. */
    public enum JwksFormat {
        /**
         * SPIRE's Delegated Identity API (bundleutil.Marshal with StandardJWKS and NoX509SVIDKeys): a plain JWKS,
         * each JWT authority with its kid and no {@code use}.
         */
        SPIRE_DELEGATED,
        /**
         * A SPIFFE bundle (the Trust Domain and Bundle standard): JWT authorities with {@code "use": "jwt-svid"}, the
         * X.509 authorities beside them with {@code "use": "x509-svid"}, and the {@code spiffe_sequence} and
         * {@code spiffe_refresh_hint} members.
         */
        SPIFFE_BUNDLE
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private final KeyPair caKeys;
    private final X509Certificate caCertificate;
    private final ECKey jwtKey;

    public TrustDomainAuthority(String name) {
        this.name = name;
        try {
            this.caKeys = ecKeys();
            this.caCertificate = certificate(
                    new X500Name("CN=" + name + " CA"), caKeys.getPublic(), "spiffe://" + name, true, caKeys);
            KeyPair jwtKeys = ecKeys();
            this.jwtKey = new ECKey.Builder(Curve.P_256, (ECPublicKey) jwtKeys.getPublic())
                    .privateKey((ECPrivateKey) jwtKeys.getPrivate())
                    .keyID(UUID.randomUUID().toString())
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.ES256)
                    .build();
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    public String name() {
        return name;
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** The public JWT keys as a JWKS document, as SPIRE's delegated API sends them. */
    public String jwks() {
        return jwks(JwksFormat.SPIRE_DELEGATED);
    }

    public String jwks(JwksFormat format) {
        try {
            ECKey.Builder jwtAuthority =
                    new ECKey.Builder(Curve.P_256, jwtKey.toECPublicKey()).keyID(jwtKey.getKeyID());
            return switch (format) {
                case SPIRE_DELEGATED -> new JWKSet(jwtAuthority.build()).toString();
                case SPIFFE_BUNDLE ->
                    new JWKSet(
                                    List.of(
                                            new ECKey.Builder(Curve.P_256, (ECPublicKey) caKeys.getPublic())
                                                    .keyUse(new KeyUse("x509-svid"))
                                                    .x509CertChain(List.of(com.nimbusds.jose.util.Base64.encode(
                                                            caCertificate.getEncoded())))
                                                    .build(),
                                            jwtAuthority
                                                    .keyUse(new KeyUse("jwt-svid"))
                                                    .build()),
                                    java.util.Map.of("spiffe_sequence", 1, "spiffe_refresh_hint", 300))
                            .toString(false);
            };
        } catch (JOSEException | java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new X.509-SVID for {@code spiffeId}, valid for an hour. */
    public IssuedSvid issue(String spiffeId) {
        try {
            KeyPair keys = ecKeys();
            return new IssuedSvid(
                    certificate(new X500Name("O=SPIRE"), keys.getPublic(), spiffeId, false, caKeys), keys);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How far before its signing a JWT-SVID's {@code iat} lies: a test can tell from it when a token was signed. */
    public static final Duration JWT_ISSUED_BEFORE_SIGNING = Duration.ofSeconds(1);

    /** A JWT-SVID for {@code spiffeId} and the audience, expiring after {@code lifetime} (negative: expired). */
    public String signJwt(String spiffeId, List<String> audience, Duration lifetime) {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .subject(spiffeId)
                .audience(audience)
                .issueTime(Date.from(now.minus(JWT_ISSUED_BEFORE_SIGNING)))
                .expirationTime(Date.from(now.plus(lifetime)))
                .build();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.ES256)
                        .keyID(jwtKey.getKeyID())
                        .type(JOSEObjectType.JWT)
                        .build(),
                claims);
        try {
            jwt.sign(new ECDSASigner(jwtKey));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private X509Certificate certificate(
            X500Name subject, java.security.PublicKey key, String uri, boolean ca, KeyPair issuer)
            throws GeneralSecurityException, OperatorCreationException {
        Instant now = Instant.now();
        X500Name issuerName = ca ? subject : new X500Name("CN=" + name + " CA");
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                issuerName,
                new BigInteger(64, RANDOM).abs().add(BigInteger.ONE),
                Date.from(now.minusSeconds(60)),
                Date.from(now.plus(Duration.ofHours(1))),
                subject,
                key);
        try {
            builder.addExtension(
                    Extension.subjectAlternativeName,
                    false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(
                    Extension.keyUsage,
                    true,
                    new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return new JcaX509CertificateConverter()
                .getCertificate(
                        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
    }
}
