package dev.spiffecsi.dev.agent;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.spiffe.bundle.jwtbundle.JwtBundle;
import io.spiffe.exception.AuthorityNotFoundException;
import io.spiffe.exception.BundleNotFoundException;
import io.spiffe.exception.JwtSvidException;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.jwtsvid.JwtSvid;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Signs JWT-SVIDs (ES256, the key id in the header) with one in-memory P-256 key, publishes that key as the trust
 * domain's JWT bundle (a JWKS document), and validates tokens against it with java-spiffe's own validator. Like
 * the X.509 CA, the key never leaves memory and never rotates.
 */
final class JwtAuthority {

    /** The JWK "use" that SPIFFE JWT bundles give their keys. */
    private static final KeyUse JWT_SVID_USE = new KeyUse("jwt-svid");

    private final ECKey key;
    private final ECDSASigner signer;
    private final JwtBundle bundle;

    private JwtAuthority(ECKey key, ECDSASigner signer, JwtBundle bundle) {
        this.key = key;
        this.signer = signer;
        this.bundle = bundle;
    }

    static JwtAuthority create(TrustDomain trustDomain) {
        try {
            ECKey key = new ECKeyGenerator(Curve.P_256)
                    .keyUse(JWT_SVID_USE)
                    .keyIDFromThumbprint(true)
                    .generate();
            JwtBundle bundle = new JwtBundle(trustDomain, Map.of(key.getKeyID(), key.toECPublicKey()));
            return new JwtAuthority(key, new ECDSASigner(key), bundle);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot create the JWT signing key of trust domain " + trustDomain, e);
        }
    }

    /** A JWT-SVID for {@code subject}, valid for {@code ttl} from now. */
    IssuedJwtSvid issue(SpiffeId subject, List<String> audience, Duration ttl) {
        // JWT times are whole seconds; truncating here makes the stated times those in the token
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant expiry = now.plus(ttl).truncatedTo(ChronoUnit.SECONDS);
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .subject(subject.toString())
                .audience(audience)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(expiry))
                .build();
        SignedJWT token = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.ES256)
                        .keyID(key.getKeyID())
                        .type(JOSEObjectType.JWT)
                        .build(),
                claims);
        try {
            token.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a JWT-SVID for " + subject, e);
        }
        return new IssuedJwtSvid(subject, token.serialize(), now, expiry);
    }

    /** The trust domain's JWT bundle as the Workload API sends it: a JWKS document with the public key. */
    byte[] jwks() {
        return new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Checks signature, expiry and audience; the message of a failure says which check failed. */
    JwtSvid validate(String token, String audience)
            throws JwtSvidException, BundleNotFoundException, AuthorityNotFoundException {
        return JwtSvid.parseAndValidate(token, bundle, Set.of(audience));
    }
}
