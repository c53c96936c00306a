package dev.spiffecsi.backend.fuseproxy.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.grpc.Status;
import io.grpc.StatusException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Key selection of ValidateJWTSVID against JWT bundles as SPIFFE and SPIRE write them. */
class JwtSvidValidatorTest {

    private static final String TRUST_DOMAIN = "spiffe://example.org";
    private static final String SUBJECT = "spiffe://example.org/workload";
    private static final TrustScope SCOPE = new TrustScope(Set.of(TRUST_DOMAIN), Set.of());

    private final ECKey signingKey =
            new ECKeyGenerator(Curve.P_256).keyID("jwt-authority-1").generate();

    JwtSvidValidatorTest() throws Exception {}

    private static String token(JWSAlgorithm algorithm, String keyId, com.nimbusds.jose.JWSSigner signer)
            throws Exception {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(algorithm)
                        .keyID(keyId)
                        .type(JOSEObjectType.JWT)
                        .build(),
                new JWTClaimsSet.Builder()
                        .subject(SUBJECT)
                        .audience("db")
                        .expirationTime(Date.from(Instant.now().plusSeconds(300)))
                        .build());
        jwt.sign(signer);
        return jwt.serialize();
    }

    private String token() throws Exception {
        return token(JWSAlgorithm.ES256, signingKey.getKeyID(), new ECDSASigner(signingKey));
    }

    private static Map<String, ByteString> bundle(List<JWK> keys, Map<String, Object> members) {
        return Map.of(TRUST_DOMAIN, ByteString.copyFromUtf8(new JWKSet(keys, members).toString(false)));
    }

    private static Status.Code refusal(String token, Map<String, ByteString> bundles) {
        return assertThrows(StatusException.class, () -> JwtSvidValidator.validate(token, "db", SCOPE, bundles))
                .getStatus()
                .getCode();
    }

    /** SPIRE's Delegated Identity API: a plain JWKS, no use. */
    @Test
    void acceptsAKeyWithoutUseAsSpireSendsIt() throws Exception {
        Map<String, ByteString> bundles = bundle(
                List.of(new ECKey.Builder(signingKey.toPublicJWK()).keyUse(null).build()), Map.of());
        assertEquals(
                SUBJECT,
                JwtSvidValidator.validate(token(), "db", SCOPE, bundles).getSpiffeId());
    }

    /** A SPIFFE bundle: the JWT authority marked jwt-svid, beside an X.509 authority and the SPIFFE members. */
    @ParameterizedTest
    @ValueSource(strings = {"jwt-svid", "sig"})
    void acceptsAJwtAuthorityWhateverItsUse(String use) throws Exception {
        ECKey x509Authority =
                new ECKeyGenerator(Curve.P_256).keyUse(new KeyUse("x509-svid")).generate();
        Map<String, ByteString> bundles = bundle(
                List.of(
                        x509Authority.toPublicJWK(),
                        new ECKey.Builder(signingKey.toPublicJWK())
                                .keyUse(new KeyUse(use))
                                .build()),
                Map.of("spiffe_sequence", 7, "spiffe_refresh_hint", 300));
        assertEquals(
                SUBJECT,
                JwtSvidValidator.validate(token(), "db", SCOPE, bundles).getSpiffeId());
    }

    @Test
    void refusesATokenWhoseKidIsNotInTheBundle() throws Exception {
        Map<String, ByteString> bundles = bundle(
                List.of(new ECKey.Builder(signingKey.toPublicJWK())
                        .keyID("another-kid")
                        .keyUse(new KeyUse("jwt-svid"))
                        .build()),
                Map.of());
        assertEquals(Status.Code.INVALID_ARGUMENT, refusal(token(), bundles));
    }

    /** An X.509 authority signs certificates, never a JWT-SVID, even with a matching kid. */
    @Test
    void refusesATokenSignedByAnX509Authority() throws Exception {
        ECKey x509Authority = new ECKeyGenerator(Curve.P_256)
                .keyID("ca-1")
                .keyUse(new KeyUse("x509-svid"))
                .generate();
        Map<String, ByteString> bundles = bundle(List.of(x509Authority.toPublicJWK()), Map.of());
        String signedByCa = token(JWSAlgorithm.ES256, "ca-1", new ECDSASigner(x509Authority));
        assertEquals(Status.Code.INVALID_ARGUMENT, refusal(signedByCa, bundles));
    }

    /** The algorithm must fit the key's type: an RS256 header never selects an EC key, whatever its kid. */
    @Test
    void refusesAnAlgorithmThatDoesNotFitTheKeyType() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID(signingKey.getKeyID()).generate();
        Map<String, ByteString> bundles = bundle(
                List.of(new ECKey.Builder(signingKey.toPublicJWK())
                        .keyUse(new KeyUse("jwt-svid"))
                        .build()),
                Map.of());
        String rsaSigned = token(JWSAlgorithm.RS256, signingKey.getKeyID(), new RSASSASigner(rsa));
        assertEquals(Status.Code.INVALID_ARGUMENT, refusal(rsaSigned, bundles));
    }

    private static String signed(JWSHeader header, JWTClaimsSet claims, com.nimbusds.jose.JWSSigner signer)
            throws Exception {
        SignedJWT jwt = new SignedJWT(header, claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    private static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder()
                .subject(SUBJECT)
                .audience("db")
                .expirationTime(Date.from(Instant.now().plusSeconds(300)));
    }

    private Map<String, ByteString> ownBundle() {
        return bundle(List.of(signingKey.toPublicJWK()), Map.of());
    }

    private JWSHeader es256() {
        return new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(signingKey.getKeyID())
                .type(JOSEObjectType.JWT)
                .build();
    }

    /** The description of the refusal, which must be INVALID_ARGUMENT. */
    private static String refusedAsInvalid(String token, Map<String, ByteString> bundles) {
        Status status = assertThrows(
                        StatusException.class, () -> JwtSvidValidator.validate(token, "db", SCOPE, bundles))
                .getStatus();
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), status.toString());
        return status.getDescription();
    }

    @Test
    void refusesAnUnsecuredTokenWithAlgNone() throws Exception {
        String unsecured = new PlainJWT(claims().build()).serialize();
        assertTrue(unsecured.endsWith("."), "no signature: " + unsecured);
        assertTrue(refusedAsInvalid(unsecured, ownBundle()).contains("not a signed JWT"));
        // the same with a header that says "alg": "none" and a signature part anyway
        String header = java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("{\"alg\":\"none\",\"kid\":\"jwt-authority-1\"}".getBytes(StandardCharsets.UTF_8));
        String forged = header + "." + unsecured.split("\\.")[1] + ".c2lnbmF0dXJl";
        assertTrue(refusedAsInvalid(forged, ownBundle()).contains("not a signed JWT"));
    }

    /** The classic confusion: HMAC with the bundle's public key as the shared secret. */
    @Test
    void refusesHs256SignedWithThePublicKeyAsSecret() throws Exception {
        byte[] publicKey = signingKey.toECPublicKey().getEncoded();
        byte[] secret = java.util.Arrays.copyOf(publicKey, Math.max(32, publicKey.length));
        String token = signed(
                new JWSHeader.Builder(JWSAlgorithm.HS256)
                        .keyID(signingKey.getKeyID())
                        .build(),
                claims().build(),
                new MACSigner(secret));
        assertTrue(refusedAsInvalid(token, ownBundle()).contains("no key"), "no key for HS256");
    }

    @Test
    void refusesATokenWithoutExpiry() throws Exception {
        String token = signed(
                es256(),
                new JWTClaimsSet.Builder().subject(SUBJECT).audience("db").build(),
                new ECDSASigner(signingKey));
        assertTrue(refusedAsInvalid(token, ownBundle()).contains("a required claim is missing"));
    }

    @Test
    void refusesAnExpiredToken() throws Exception {
        String token = signed(
                es256(),
                claims().expirationTime(Date.from(Instant.now().minusSeconds(600)))
                        .build(),
                new ECDSASigner(signingKey));
        assertTrue(refusedAsInvalid(token, ownBundle()).contains("expired"));
    }

    @Test
    void refusesATokenForAnotherAudience() throws Exception {
        String token = signed(es256(), claims().audience("billing").build(), new ECDSASigner(signingKey));
        assertTrue(refusedAsInvalid(token, ownBundle()).contains("audience"));
    }

    @Test
    void refusesATokenWhoseKidIsUnknown() throws Exception {
        String token = signed(
                new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("no-such-kid").build(),
                claims().build(),
                new ECDSASigner(signingKey));
        assertTrue(refusedAsInvalid(token, ownBundle()).contains("no key"));
    }

    /** Signed by another trust domain's authority, whose kid the own bundle does not have, or under the same kid. */
    @Test
    void refusesATokenSignedByAnotherTrustDomainsKey() throws Exception {
        ECKey otherAuthority =
                new ECKeyGenerator(Curve.P_256).keyID("other-authority").generate();
        String withOwnKid = signed(es256(), claims().build(), new ECDSASigner(otherAuthority));
        assertTrue(refusedAsInvalid(withOwnKid, ownBundle()).contains("signature does not verify"));
        String withItsKid = signed(
                new JWSHeader.Builder(JWSAlgorithm.ES256)
                        .keyID("other-authority")
                        .build(),
                claims().build(),
                new ECDSASigner(otherAuthority));
        assertTrue(refusedAsInvalid(withItsKid, ownBundle()).contains("no key"));
        // and a subject in a trust domain the caller does not trust, whatever signed it
        String foreign =
                signed(es256(), claims().subject("spiffe://other.test/x").build(), new ECDSASigner(signingKey));
        assertEquals(
                "invalid JWT-SVID: no JWT bundle of trust domain \"spiffe://other.test\" among the caller's",
                refusedAsInvalid(foreign, ownBundle()));
    }

    /** The description is logged and sent back: nothing the token's author chose is in it, unescaped. */
    @Test
    void theRefusalNeverQuotesTheTokensClaims() throws Exception {
        String forgedLine = "\n2026-12-07 INFO volume published";
        String badSubject =
                signed(es256(), claims().subject("not-spiffe" + forgedLine).build(), new ECDSASigner(signingKey));
        assertEquals("invalid JWT-SVID: the subject is not a SPIFFE ID", refusedAsInvalid(badSubject, ownBundle()));
        String badAudience =
                signed(es256(), claims().audience("evil" + forgedLine).build(), new ECDSASigner(signingKey));
        String description = refusedAsInvalid(badAudience, ownBundle());
        assertFalse(description.contains("evil") || description.contains("\n"), description);
        String badDomain = signed(
                es256(),
                claims().subject("spiffe://x" + "y".repeat(5000) + forgedLine + "/a")
                        .build(),
                new ECDSASigner(signingKey));
        description = refusedAsInvalid(badDomain, ownBundle());
        assertFalse(description.contains("\n"), description);
        assertTrue(description.length() < 400, description.length() + " characters");
    }
}
