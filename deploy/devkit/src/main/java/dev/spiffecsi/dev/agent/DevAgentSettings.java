package dev.spiffecsi.dev.agent;

import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link DevAgent} runs.
 *
 * @param socket              the Unix socket to serve the Workload API on
 * @param trustDomain         the trust domain of every identity the agent issues
 * @param svidTtl             how long X.509- and JWT-SVIDs are valid; X.509-SVIDs are re-issued and pushed at half
 *                            of it
 * @param entries             registration entries, tried in order; a caller matching none gets {@link #defaultId()}
 * @param federatedDomains    trust domains whose bundles the agent also hands out: all of them on the admin socket,
 *                            and to a workload those its entry federates with
 * @param adminSocket         the Unix socket to serve SPIRE's Delegated Identity API on; {@code null} for none
 * @param authorizedDelegates the SPIFFE IDs that may use the admin socket (SPIRE's {@code authorized_delegates}):
 *                            a caller there is attested as on the Workload API socket, and refused unless the
 *                            identity it gets is listed; required with an admin socket, refused without one
 */
public record DevAgentSettings(
        Path socket,
        TrustDomain trustDomain,
        Duration svidTtl,
        List<RegistrationEntry> entries,
        List<TrustDomain> federatedDomains,
        Path adminSocket,
        List<SpiffeId> authorizedDelegates) {

    public static final TrustDomain DEFAULT_TRUST_DOMAIN = TrustDomain.parse("example.org");
    public static final Duration DEFAULT_SVID_TTL = Duration.ofMinutes(10);
    /** The shortest TTL: rotation at half of it must stay well above scheduling noise. */
    private static final Duration MIN_SVID_TTL = Duration.ofSeconds(2);

    public DevAgentSettings {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(trustDomain, "trustDomain");
        if (svidTtl.compareTo(MIN_SVID_TTL) < 0) {
            throw new IllegalArgumentException(
                    "the SVID TTL must be at least " + MIN_SVID_TTL.toSeconds() + "s, got " + svidTtl);
        }
        entries = List.copyOf(entries);
        federatedDomains = List.copyOf(federatedDomains);
        authorizedDelegates = List.copyOf(authorizedDelegates);
        if (federatedDomains.contains(trustDomain)
                || new HashSet<>(federatedDomains).size() < federatedDomains.size()) {
            throw new IllegalArgumentException("the federated trust domains " + federatedDomains
                    + " must differ from each other and from the agent's own, " + trustDomain);
        }
        for (RegistrationEntry entry : entries) {
            if (!entry.spiffeId().memberOf(trustDomain)) {
                throw new IllegalArgumentException(
                        "registration entry " + entry + " is outside the agent's trust domain " + trustDomain);
            }
            if (!federatedDomains.containsAll(entry.federatesWith())) {
                throw new IllegalArgumentException("registration entry " + entry + " federates with a trust "
                        + "domain the agent does not know; its federated trust domains are " + federatedDomains);
            }
        }
        requireAdminApiComplete(socket, trustDomain, adminSocket, authorizedDelegates);
    }

    private static void requireAdminApiComplete(
            Path socket, TrustDomain trustDomain, Path adminSocket, List<SpiffeId> authorizedDelegates) {
        if (adminSocket == null && !authorizedDelegates.isEmpty()) {
            throw new IllegalArgumentException(
                    "authorized delegates " + authorizedDelegates + " need an admin socket to call");
        }
        if (adminSocket != null && authorizedDelegates.isEmpty()) {
            throw new IllegalArgumentException("the admin socket " + adminSocket
                    + " needs at least one authorized delegate; it would refuse every caller");
        }
        if (socket.equals(adminSocket)) {
            throw new IllegalArgumentException("the admin socket must differ from the Workload API socket " + socket);
        }
        for (SpiffeId delegate : authorizedDelegates) {
            if (!delegate.memberOf(trustDomain)) {
                throw new IllegalArgumentException("authorized delegate " + delegate + " is outside the agent's "
                        + "trust domain " + trustDomain + "; no caller could ever be it");
            }
        }
    }

    /** Trust domain example.org, 10 minute SVIDs, no entries: every caller is spiffe://example.org/workload. */
    public static DevAgentSettings defaults(Path socket) {
        return new DevAgentSettings(
                socket, DEFAULT_TRUST_DOMAIN, DEFAULT_SVID_TTL, List.of(), List.of(), null, List.of());
    }

    /** The identity of callers that no entry matches: {@code spiffe://<trust domain>/workload}. */
    public SpiffeId defaultId() {
        return trustDomain.newSpiffeId("workload");
    }

    public DevAgentSettings withSvidTtl(Duration ttl) {
        return new DevAgentSettings(
                socket, trustDomain, ttl, entries, federatedDomains, adminSocket, authorizedDelegates);
    }

    /** Entries that federate with a trust domain need it among the {@link #withFederatedDomains federated} first. */
    public DevAgentSettings withEntries(List<RegistrationEntry> newEntries) {
        return new DevAgentSettings(
                socket, trustDomain, svidTtl, newEntries, federatedDomains, adminSocket, authorizedDelegates);
    }

    public DevAgentSettings withFederatedDomains(List<TrustDomain> domains) {
        return new DevAgentSettings(socket, trustDomain, svidTtl, entries, domains, adminSocket, authorizedDelegates);
    }

    /** Serves the Delegated Identity API on {@code socket} to callers whose identity is one of {@code delegates}. */
    public DevAgentSettings withAdminApi(Path socket, List<SpiffeId> delegates) {
        return new DevAgentSettings(this.socket, trustDomain, svidTtl, entries, federatedDomains, socket, delegates);
    }
}
