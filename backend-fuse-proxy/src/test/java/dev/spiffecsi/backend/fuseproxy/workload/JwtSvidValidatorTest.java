package dev.spiffecsi.backend.fuseproxy.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
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
import com.nimbusds.jwt.SignedJWT;
import io.grpc.Status;
import io.grpc.StatusException;
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

    private final ECKey signingKey = new ECKeyGenerator(Curve.P_256).keyID("jwt-authority-1").generate();

    JwtSvidValidatorTest() throws Exception {
    }

    private static String token(JWSAlgorithm algorithm, String keyId, com.nimbusds.jose.JWSSigner signer)
            throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(keyId).type(JOSEObjectType.JWT).build(),
                new JWTClaimsSet.Builder().subject(SUBJECT).audience("db")
                        .expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
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
                .getStatus().getCode();
    }

    /** SPIRE's Delegated Identity API: a plain JWKS, no use. */
    @Test
    void acceptsAKeyWithoutUseAsSpireSendsIt() throws Exception {
        Map<String, ByteString> bundles = bundle(List.of(new ECKey.Builder(signingKey.toPublicJWK())
                .keyUse(null).build()), Map.of());
        assertEquals(SUBJECT, JwtSvidValidator.validate(token(), "db", SCOPE, bundles).getSpiffeId());
    }

    /** A SPIFFE bundle: the JWT authority marked jwt-svid, beside an X.509 authority and the SPIFFE members. */
    @ParameterizedTest
    @ValueSource(strings = {"jwt-svid", "sig"})
    void acceptsAJwtAuthorityWhateverItsUse(String use) throws Exception {
        ECKey x509Authority = new ECKeyGenerator(Curve.P_256).keyUse(new KeyUse("x509-svid")).generate();
        Map<String, ByteString> bundles = bundle(List.of(x509Authority.toPublicJWK(),
                        new ECKey.Builder(signingKey.toPublicJWK()).keyUse(new KeyUse(use)).build()),
                Map.of("spiffe_sequence", 7, "spiffe_refresh_hint", 300));
        assertEquals(SUBJECT, JwtSvidValidator.validate(token(), "db", SCOPE, bundles).getSpiffeId());
    }

    @Test
    void refusesATokenWhoseKidIsNotInTheBundle() throws Exception {
        Map<String, ByteString> bundles = bundle(List.of(new ECKey.Builder(signingKey.toPublicJWK())
                .keyID("another-kid").keyUse(new KeyUse("jwt-svid")).build()), Map.of());
        assertEquals(Status.Code.INVALID_ARGUMENT, refusal(token(), bundles));
    }

    /** An X.509 authority signs certificates, never a JWT-SVID, even with a matching kid. */
    @Test
    void refusesATokenSignedByAnX509Authority() throws Exception {
        ECKey x509Authority = new ECKeyGenerator(Curve.P_256).keyID("ca-1").keyUse(new KeyUse("x509-svid")).generate();
        Map<String, ByteString> bundles = bundle(List.of(x509Authority.toPublicJWK()), Map.of());
        String signedByCa = token(JWSAlgorithm.ES256, "ca-1", new ECDSASigner(x509Authority));
        assertEquals(Status.Code.INVALID_ARGUMENT, refusal(signedByCa, bundles));
    }

    /** The algorithm must fit the key's type: an RS256 header never selects an EC key, whatever its kid. */
    @Test
    void refusesAnAlgorithmThatDoesNotFitTheKeyType() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID(signingKey.getKeyID()).generate();
        Map<String, ByteString> bundles = bundle(List.of(new ECKey.Builder(signingKey.toPublicJWK())
                .keyUse(new KeyUse("jwt-svid")).build()), Map.of());
        String rsaSigned = token(JWSAlgorithm.RS256, signingKey.getKeyID(), new RSASSASigner(rsa));
        assertEquals(Status.Code.INVALID_ARGUMENT, refusal(rsaSigned, bundles));
    }
}
