package dev.spiffecsi.dev.agent;

import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link DevAgent} runs.
 *
 * @param socket      the Unix socket to serve the Workload API on
 * @param trustDomain the trust domain of every identity the agent issues
 * @param svidTtl     how long X.509- and JWT-SVIDs are valid; X.509-SVIDs are re-issued and pushed at half of it
 * @param entries     registration entries, tried in order; a caller matching none gets {@link #defaultId()}
 */
public record DevAgentSettings(Path socket, TrustDomain trustDomain, Duration svidTtl,
                               List<RegistrationEntry> entries) {

    public static final TrustDomain DEFAULT_TRUST_DOMAIN = TrustDomain.parse("example.org");
    public static final Duration DEFAULT_SVID_TTL = Duration.ofMinutes(10);
    /** The shortest TTL: rotation at half of it must stay well above scheduling noise. */
    private static final Duration MIN_SVID_TTL = Duration.ofSeconds(2);

    public DevAgentSettings {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(trustDomain, "trustDomain");
        if (svidTtl.compareTo(MIN_SVID_TTL) < 0) {
            throw new IllegalArgumentException("the SVID TTL must be at least " + MIN_SVID_TTL.toSeconds()
                    + "s, got " + svidTtl);
        }
        entries = List.copyOf(entries);
        for (RegistrationEntry entry : entries) {
            if (!entry.spiffeId().memberOf(trustDomain)) {
                throw new IllegalArgumentException("registration entry " + entry
                        + " is outside the agent's trust domain " + trustDomain);
            }
        }
    }

    /** Trust domain example.org, 10 minute SVIDs, no entries: every caller is spiffe://example.org/workload. */
    public static DevAgentSettings defaults(Path socket) {
        return new DevAgentSettings(socket, DEFAULT_TRUST_DOMAIN, DEFAULT_SVID_TTL, List.of());
    }

    /** The identity of callers that no entry matches: {@code spiffe://<trust domain>/workload}. */
    public SpiffeId defaultId() {
        return trustDomain.newSpiffeId("workload");
    }

    public DevAgentSettings withSvidTtl(Duration ttl) {
        return new DevAgentSettings(socket, trustDomain, ttl, entries);
    }

    public DevAgentSettings withEntries(List<RegistrationEntry> newEntries) {
        return new DevAgentSettings(socket, trustDomain, svidTtl, newEntries);
    }
}
