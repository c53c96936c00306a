package dev.spiffecsi.dev.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import dev.spiffecsi.config.ConfigException;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegistrationEntryTest {

    private static final SpiffeId BACKEND = SpiffeId.parse("spiffe://example.org/backend");

    @Test
    void parsesTheUidSelectorAndTheSpiffeId() {
        assertEquals(
                new RegistrationEntry(1000, BACKEND),
                RegistrationEntry.parse("unix:uid:1000=spiffe://example.org/backend"));
    }

    @Test
    void parsesSeveralSelectorsAndTheFederatedTrustDomainsAndPrintsThemSorted() {
        RegistrationEntry entry = RegistrationEntry.parse(
                "k8s:sa:cart+k8s:ns:shop=spiffe://example.org/cart;federates-with=third.org+other.org");

        assertEquals(
                Set.of(WorkloadSelector.parse("k8s:ns:shop"), WorkloadSelector.parse("k8s:sa:cart")),
                entry.selectors());
        assertEquals(Set.of(TrustDomain.parse("other.org"), TrustDomain.parse("third.org")), entry.federatesWith());
        assertEquals(
                "k8s:ns:shop+k8s:sa:cart=spiffe://example.org/cart;federates-with=other.org+third.org",
                entry.toString());
        assertEquals(entry, RegistrationEntry.parse(entry.toString()));
    }

    @Test
    void rejectsUnsupportedSelectorsWithAnExample() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> RegistrationEntry.parse("k8s:pod-name:web=spiffe://example.org/backend"));

        assertTrue(e.getMessage().contains("unix:uid:1000=spiffe://example.org/backend"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RegistrationEntry.parse("unix:uid:x=" + BACKEND));
        assertThrows(IllegalArgumentException.class, () -> RegistrationEntry.parse("unix:uid:1=not-an-id"));
        assertThrows(IllegalArgumentException.class, () -> RegistrationEntry.parse("k8s:ns:=" + BACKEND));
        assertThrows(
                IllegalArgumentException.class,
                () -> RegistrationEntry.parse("unix:uid:1=" + BACKEND + ";federates-with=not a domain"));
    }

    @Test
    void theFirstMatchingEntryWinsAndEveryoneElseGetsTheDefault() {
        SpiffeId fallback = SpiffeId.parse("spiffe://example.org/workload");
        Registrations registrations = new Registrations(
                List.of(
                        new RegistrationEntry(1000, BACKEND),
                        new RegistrationEntry(1000, SpiffeId.parse("spiffe://example.org/shadowed"))),
                fallback);

        assertEquals(
                BACKEND, registrations.identify(new UnixPeer(42, 1000, 1000)).spiffeId());
        assertEquals(
                fallback, registrations.identify(new UnixPeer(42, 1001, 1001)).spiffeId());
    }

    /** SPIRE's subset rule: every selector of the entry must be among the workload's, which may have more. */
    @Test
    void anEntryMatchesOnlyWorkloadsThatHaveAllItsSelectors() {
        RegistrationEntry cart = RegistrationEntry.parse("k8s:ns:shop+k8s:sa:cart=spiffe://example.org/cart");
        RegistrationEntry rootInShop = RegistrationEntry.parse("unix:uid:0+k8s:ns:shop=spiffe://example.org/r");
        Registrations registrations = new Registrations(List.of(cart, rootInShop), BACKEND);

        assertEquals(
                List.of(cart),
                registrations.matching(Set.of(
                        WorkloadSelector.parse("k8s:pod-uid:8c1f"),
                        WorkloadSelector.parse("k8s:ns:shop"),
                        WorkloadSelector.parse("k8s:sa:cart"))));
        assertEquals(List.of(), registrations.matching(Set.of(WorkloadSelector.parse("k8s:ns:shop"))));
        assertEquals(
                BACKEND,
                registrations.identify(new UnixPeer(42, 0, 0)).spiffeId(),
                "a uid-attested caller lacks the k8s selector, so it gets the default");
    }

    @Test
    void entriesOutsideTheTrustDomainAreRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> DevAgentSettings.defaults(Path.of("/tmp/a.sock"))
                        .withEntries(List.of(new RegistrationEntry(1, SpiffeId.parse("spiffe://other.org/x")))));
    }

    @Test
    void theCommandReadsEntriesTtlAndTrustDomainFromItsFlags() {
        DevAgentSettings settings = DevAgentCommand.settings(List.of(
                "-socket",
                "/tmp/a.sock",
                "-trust-domain",
                "example.org",
                "-svid-ttl",
                "90s",
                "-entries",
                "unix:uid:1000=" + BACKEND + ", unix:uid:0=" + "spiffe://example.org/root"));

        assertEquals(Duration.ofSeconds(90), settings.svidTtl());
        assertEquals(
                List.of(
                        new RegistrationEntry(1000, BACKEND),
                        new RegistrationEntry(0, SpiffeId.parse("spiffe://example.org/root"))),
                settings.entries());
    }

    @Test
    void aBadEntryIsAUsageErrorNamingIt() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> DevAgentCommand.settings(List.of("-socket", "/tmp/a.sock", "-entries", "uid=1")));

        assertTrue(e.getMessage().startsWith("flag "), e.getMessage());
        assertTrue(e.getMessage().contains("uid=1"), e.getMessage());
    }
}
