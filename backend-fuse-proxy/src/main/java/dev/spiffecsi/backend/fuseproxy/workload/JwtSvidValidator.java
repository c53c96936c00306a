package dev.spiffecsi.backend.fuseproxy.workload;

import com.google.protobuf.ByteString;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.spiffecsi.backend.fuseproxy.delegated.TrustDomainIds;
import dev.spiffecsi.backend.fuseproxy.workload.proto.ValidateJWTSVIDResponse;
import io.grpc.Status;
import io.grpc.StatusException;
import java.text.ParseException;
import java.util.Map;
import java.util.Set;

/**
 * Validates a JWT-SVID the way a SPIFFE agent does for ValidateJWTSVID: a JWS signed with one of the keys of its
 * trust domain's JWT bundle, an audience that includes the requested one, not expired, and a SPIFFE ID subject
 * whose trust domain the caller trusts (its own or a federated one). Any failure is INVALID_ARGUMENT.
 */
final class JwtSvidValidator {

    /** The JWT-SVID standard's algorithms: RS, ES and PS with SHA-256, -384 and -512. */
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.PS256,
            JWSAlgorithm.PS384, JWSAlgorithm.PS512);
    private static final Set<String> REQUIRED_CLAIMS = Set.of("sub", "aud", "exp");

    private JwtSvidValidator() {
    }

    /**
     * @param jwtBundles the caller's JWT bundles (JWKS documents) keyed by trust domain ID
     */
    static ValidateJWTSVIDResponse validate(String token, String audience, TrustScope scope,
                                            Map<String, ByteString> jwtBundles) throws StatusException {
        SignedJWT jwt;
        String subject;
        try {
            jwt = SignedJWT.parse(token);
            subject = jwt.getJWTClaimsSet().getSubject();
        } catch (ParseException e) {
            throw invalid("not a signed JWT: " + e.getMessage());
        }
        String trustDomain = TrustDomainIds.ofSpiffeId(subject);
        if (trustDomain == null) {
            throw invalid("the subject is not a SPIFFE ID: " + subject);
        }
        ByteString bundle = jwtBundles.get(trustDomain);
        if (!scope.contains(trustDomain) || bundle == null) {
            throw invalid("no JWT bundle of trust domain " + trustDomain + " among the caller's");
        }
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        try {
            processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS,
                    new ImmutableJWKSet<>(JWKSet.parse(bundle.toStringUtf8()))));
        } catch (ParseException e) {
            throw new StatusException(Status.INTERNAL.withDescription("the SPIRE agent's JWT bundle of "
                    + trustDomain + " is not a JWK set: " + e.getMessage()));
        }
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(audience, null, REQUIRED_CLAIMS));
        try {
            JWTClaimsSet claims = processor.process(jwt, null);
            return ValidateJWTSVIDResponse.newBuilder()
                    .setSpiffeId(subject)
                    .setClaims(ClaimsStruct.of(claims.getClaims()))
                    .build();
        } catch (BadJOSEException | JOSEException e) {
            throw invalid(e.getMessage());
        }
    }

    private static StatusException invalid(String problem) {
        return new StatusException(Status.INVALID_ARGUMENT.withDescription("invalid JWT-SVID: " + problem));
    }
}
