package dev.spiffecsi.e2e.svidcheck;

import io.spiffe.bundle.jwtbundle.JwtBundle;
import io.spiffe.bundle.jwtbundle.JwtBundleSet;
import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.svid.x509svid.X509SvidValidator;
import io.spiffe.workloadapi.WorkloadApiClient;
import io.spiffe.workloadapi.X509Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The checks of {@code svid-check}, each through the Workload API client and each reported whatever the others
 * gave, so that one failing call (say, ValidateJWTSVID) does not hide the outcome of the rest:
 * <ol>
 *   <li>{@code x509-svid}: FetchX509SVID; the default SVID's chain verifies against the X.509 bundle of its trust
 *       domain (java-spiffe's validator);</li>
 *   <li>{@code jwt-svid}: FetchJWTSVID for the audience, then FetchJWTBundles; the token's signature, audience and
 *       expiry verify against the JWT bundle of its trust domain (java-spiffe's validator, locally);</li>
 *   <li>{@code validate-jwt-svid}: the same token through ValidateJWTSVID, which must accept it for the same
 *       SPIFFE ID;</li>
 *   <li>{@code refuse-forged-jwt-svid}: the same token with one character of its signature changed, through
 *       ValidateJWTSVID, which must refuse it (a Workload API that accepted anything would pass the check above).</li>
 * </ol>
 */
final class SvidChecks {

    private final WorkloadApiClient client;
    private final String audience;
    private final Optional<SpiffeId> expectedId;

    SvidChecks(WorkloadApiClient client, String audience, Optional<SpiffeId> expectedId) {
        this.client = client;
        this.audience = audience;
        this.expectedId = expectedId;
    }

    List<CheckResult> run() {
        List<CheckResult> results = new ArrayList<>();
        results.add(x509Svid());
        JwtSvid fetched;
        try {
            fetched = client.fetchJwtSvid(audience);
        } catch (Exception e) {
            String why = "FetchJWTSVID for audience " + audience + " failed: " + describe(e);
            results.add(CheckResult.fail("jwt-svid", why));
            results.add(CheckResult.fail("validate-jwt-svid", "no token to validate: " + why));
            results.add(CheckResult.fail("refuse-forged-jwt-svid", "no token to forge: " + why));
            return results;
        }
        results.add(jwtSvidLocally(fetched));
        results.add(jwtSvidByTheWorkloadApi(fetched));
        results.add(forgedJwtSvidRefused(fetched));
        return results;
    }

    private CheckResult forgedJwtSvidRefused(JwtSvid fetched) {
        String name = "refuse-forged-jwt-svid";
        String forged = forge(fetched.getToken());
        try {
            JwtSvid accepted = client.validateJwtSvid(forged, audience);
            return CheckResult.fail(
                    name, "ValidateJWTSVID accepted a token whose signature was changed, as " + accepted.getSpiffeId());
        } catch (Exception e) {
            return CheckResult.pass(
                    name, "ValidateJWTSVID refused a token whose signature was changed: " + describe(e));
        }
    }

    /** The token with the first character of its signature replaced by another base64url character. */
    static String forge(String token) {
        int signature = token.lastIndexOf('.') + 1;
        char original = token.charAt(signature);
        char other = original == 'A' ? 'B' : 'A';
        return token.substring(0, signature) + other + token.substring(signature + 1);
    }

    private CheckResult x509Svid() {
        String name = "x509-svid";
        try {
            X509Context context = client.fetchX509Context();
            X509Svid svid = context.getDefaultSvid();
            X509Bundle bundle = context.getX509BundleSet()
                    .getBundleForTrustDomain(svid.getSpiffeId().getTrustDomain());
            X509SvidValidator.verifyChain(svid.getChain(), context.getX509BundleSet());
            Optional<String> wrongId = wrongId(svid.getSpiffeId());
            if (wrongId.isPresent()) {
                return CheckResult.fail(name, wrongId.get());
            }
            return CheckResult.pass(
                    name,
                    svid.getSpiffeId() + ", chain of " + svid.getChain().size()
                            + " verified against the X.509 bundle of " + bundle.getTrustDomain() + " ("
                            + bundle.getX509Authorities().size() + " authorities), expires "
                            + svid.getLeaf().getNotAfter().toInstant());
        } catch (Exception e) {
            return CheckResult.fail(name, describe(e));
        }
    }

    private CheckResult jwtSvidLocally(JwtSvid fetched) {
        String name = "jwt-svid";
        try {
            JwtBundleSet bundles = client.fetchJwtBundles();
            JwtBundle bundle =
                    bundles.getBundleForTrustDomain(fetched.getSpiffeId().getTrustDomain());
            JwtSvid verified = JwtSvid.parseAndValidate(fetched.getToken(), bundles, Set.of(audience));
            Optional<String> wrongId = wrongId(verified.getSpiffeId());
            if (wrongId.isPresent()) {
                return CheckResult.fail(name, wrongId.get());
            }
            return CheckResult.pass(
                    name,
                    verified.getSpiffeId() + ", audience " + verified.getAudience()
                            + ", signature and expiry (" + verified.getExpiry().toInstant()
                            + ") verified against the JWT bundle of " + bundle.getTrustDomain() + " ("
                            + bundle.getJwtAuthorities().size() + " keys)");
        } catch (Exception e) {
            return CheckResult.fail(name, describe(e));
        }
    }

    private CheckResult jwtSvidByTheWorkloadApi(JwtSvid fetched) {
        String name = "validate-jwt-svid";
        try {
            JwtSvid validated = client.validateJwtSvid(fetched.getToken(), audience);
            if (!validated.getSpiffeId().equals(fetched.getSpiffeId())) {
                return CheckResult.fail(
                        name,
                        "ValidateJWTSVID answered " + validated.getSpiffeId() + " for a token issued to "
                                + fetched.getSpiffeId());
            }
            return CheckResult.pass(
                    name,
                    "ValidateJWTSVID accepted the token of " + validated.getSpiffeId() + " for audience " + audience);
        } catch (Exception e) {
            return CheckResult.fail(
                    name, "ValidateJWTSVID refused the token of " + fetched.getSpiffeId() + ": " + describe(e));
        }
    }

    private Optional<String> wrongId(SpiffeId actual) {
        return expectedId
                .filter(expected -> !expected.equals(actual))
                .map(expected -> "issued to " + actual + ", expected " + expected);
    }

    /** java-spiffe wraps the gRPC status a few levels deep, each level adding context: all of it is shown. */
    private static String describe(Throwable error) {
        StringBuilder text =
                new StringBuilder(error.getClass().getSimpleName()).append(": ").append(error.getMessage());
        for (Throwable cause = error.getCause(); cause != null; cause = cause.getCause()) {
            text.append(": ").append(cause.getMessage());
        }
        return text.toString();
    }
}
