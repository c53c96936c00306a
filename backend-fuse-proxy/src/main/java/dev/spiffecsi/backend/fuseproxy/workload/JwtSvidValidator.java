package dev.spiffecsi.backend.fuseproxy.workload;

import com.google.protobuf.ByteString;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.spiffecsi.backend.fuseproxy.delegated.TrustDomainIds;
import dev.spiffecsi.backend.fuseproxy.protocol.ClaimsStruct;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.ValidateJWTSVIDResponse;
import dev.spiffecsi.spi.LogSafe;
import io.grpc.Status;
import io.grpc.StatusException;
import java.text.ParseException;
import java.util.Map;
import java.util.Set;

/**
 * Validates a JWT-SVID the way a SPIFFE agent does for ValidateJWTSVID: a JWS signed with one of the keys of its
 * trust domain's JWT bundle, an audience that includes the requested one, not expired, and a SPIFFE ID subject
 * whose trust domain the caller trusts (its own or a federated one). Any failure is INVALID_ARGUMENT.
 *
 * <p>The signing key is chosen as the JWT-SVID standard says: by the header's {@code kid}, among the bundle's keys
 * whose type fits the header's algorithm. A key's {@code use} does not decide: SPIFFE bundles mark JWT authorities
 * {@code "use": "jwt-svid"} (the Trust Domain and Bundle standard), SPIRE's delegated API sends them without one, and
 * JOSE's default selection, which takes only {@code sig} or none, would find no key in the former. Only a key the
 * bundle marks {@code x509-svid}, an X.509 authority, never signs a JWT-SVID.
 */
final class JwtSvidValidator {

    /** The JWT-SVID standard's algorithms: RS, ES and PS with SHA-256, -384 and -512. */
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(
            JWSAlgorithm.RS256,
            JWSAlgorithm.RS384,
            JWSAlgorithm.RS512,
            JWSAlgorithm.ES256,
            JWSAlgorithm.ES384,
            JWSAlgorithm.ES512,
            JWSAlgorithm.PS256,
            JWSAlgorithm.PS384,
            JWSAlgorithm.PS512);

    private static final Set<String> REQUIRED_CLAIMS = Set.of("sub", "aud", "exp");
    /** How a SPIFFE bundle marks an X.509 authority. */
    private static final KeyUse X509_SVID_USE = new KeyUse("x509-svid");

    private JwtSvidValidator() {}

    /**
     * @param jwtBundles the caller's JWT bundles (JWKS documents) keyed by trust domain ID
     * @throws StatusException INVALID_ARGUMENT saying what is wrong with the token, in the validator's words: the
     *                         token and its claims are the caller's choice, so nothing of them is echoed but the
     *                         trust domain, bounded and escaped (the description is logged)
     */
    static ValidateJWTSVIDResponse validate(
            String token, String audience, TrustScope scope, Map<String, ByteString> jwtBundles)
            throws StatusException {
        SignedJWT jwt;
        String subject;
        try {
            jwt = SignedJWT.parse(token);
            subject = jwt.getJWTClaimsSet().getSubject();
        } catch (ParseException e) {
            throw invalid("not a signed JWT (a JWS in compact form with a JSON claims set)");
        }
        String trustDomain = TrustDomainIds.ofSpiffeId(subject);
        if (trustDomain == null) {
            throw invalid("the subject is not a SPIFFE ID");
        }
        ByteString bundle = jwtBundles.get(trustDomain);
        if (!scope.contains(trustDomain) || bundle == null) {
            throw invalid("no JWT bundle of trust domain " + LogSafe.value(trustDomain) + " among the caller's");
        }
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        try {
            processor.setJWSKeySelector(
                    new SpiffeKeySelector(new ImmutableJWKSet<>(jwtAuthorities(JWKSet.parse(bundle.toStringUtf8())))));
        } catch (ParseException e) {
            throw new StatusException(Status.INTERNAL.withDescription("the SPIRE agent's JWT bundle of " + trustDomain
                    + " is not a JWK set: " + LogSafe.value(e.getMessage())));
        }
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(audience, null, REQUIRED_CLAIMS));
        try {
            JWTClaimsSet claims = processor.process(jwt, null);
            return ValidateJWTSVIDResponse.newBuilder()
                    .setSpiffeId(subject)
                    .setClaims(ClaimsStruct.of(claims.getClaims()))
                    .build();
        } catch (BadJWSException e) {
            throw invalid("the signature does not verify with the key its kid names");
        } catch (BadJWTException e) {
            throw invalid(claimsProblem(e));
        } catch (BadJOSEException e) {
            throw invalid("no key of the trust domain's JWT bundle fits the token's kid and algorithm (RS, ES or "
                    + "PS with SHA-256, -384 or -512)");
        } catch (JOSEException e) {
            throw invalid("the signature cannot be verified");
        }
    }

    /**
     * What the claims verifier refused, told without its message: JOSE's messages quote the token's claims (its
     * audience, say), which are the caller's to choose.
     */
    private static String claimsProblem(BadJWTException e) {
        String message = String.valueOf(e.getMessage());
        if (message.startsWith("Expired JWT")) {
            return "expired";
        }
        if (message.startsWith("JWT missing required claims")) {
            return "a required claim is missing (sub, aud and exp are)";
        }
        if (message.startsWith("JWT aud claim rejected") || message.startsWith("JWT missing required aud claim")) {
            return "the requested audience is not among the token's";
        }
        if (message.startsWith("JWT before use time")) {
            return "not valid yet (nbf)";
        }
        return "its claims are not valid";
    }

    /** The bundle's keys less its X.509 authorities. */
    private static JWKSet jwtAuthorities(JWKSet bundle) {
        return new JWKSet(bundle.getKeys().stream()
                .filter(key -> !X509_SVID_USE.equals(key.getKeyUse()))
                .toList());
    }

    /** JOSE's selection by kid and by key type and curve for the algorithm, whatever a key's {@code use}. */
    private static final class SpiffeKeySelector extends JWSVerificationKeySelector<SecurityContext> {
        SpiffeKeySelector(ImmutableJWKSet<SecurityContext> keys) {
            super(ALGORITHMS, keys);
        }

        @Override
        protected JWKMatcher createJWKMatcher(JWSHeader header) {
            JWKMatcher standard = super.createJWKMatcher(header);
            return standard == null
                    ? null
                    : new JWKMatcher.Builder(standard)
                            .keyUses((Set<KeyUse>) null)
                            .build();
        }
    }

    private static StatusException invalid(String problem) {
        return new StatusException(Status.INVALID_ARGUMENT.withDescription("invalid JWT-SVID: " + problem));
    }
}
