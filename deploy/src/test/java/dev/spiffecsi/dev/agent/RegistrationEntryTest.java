package dev.spiffecsi.dev.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.config.ConfigException;
import io.spiffe.spiffeid.SpiffeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegistrationEntryTest {

    private static final SpiffeId BACKEND = SpiffeId.parse("spiffe://example.org/backend");

    @Test
    void parsesTheUidSelectorAndTheSpiffeId() {
        assertEquals(new RegistrationEntry(1000, BACKEND),
                RegistrationEntry.parse("unix:uid:1000=spiffe://example.org/backend"));
    }

    @Test
    void rejectsWhatIsNotAUidSelectorWithAnExample() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistrationEntry.parse("k8s:sa:default=spiffe://example.org/backend"));

        assertTrue(e.getMessage().contains("unix:uid:1000=spiffe://example.org/backend"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RegistrationEntry.parse("unix:uid:x=" + BACKEND));
        assertThrows(IllegalArgumentException.class, () -> RegistrationEntry.parse("unix:uid:1=not-an-id"));
    }

    @Test
    void theFirstMatchingEntryWinsAndEveryoneElseGetsTheDefault() {
        SpiffeId fallback = SpiffeId.parse("spiffe://example.org/workload");
        Registrations registrations = new Registrations(List.of(new RegistrationEntry(1000, BACKEND),
                new RegistrationEntry(1000, SpiffeId.parse("spiffe://example.org/shadowed"))), fallback);

        assertEquals(BACKEND, registrations.identify(new Caller(42, 1000)));
        assertEquals(fallback, registrations.identify(new Caller(42, 1001)));
    }

    @Test
    void entriesOutsideTheTrustDomainAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> DevAgentSettings.defaults(Path.of("/tmp/a.sock"))
                .withEntries(List.of(new RegistrationEntry(1, SpiffeId.parse("spiffe://other.org/x")))));
    }

    @Test
    void theCommandReadsEntriesTtlAndTrustDomainFromItsFlags() {
        DevAgentSettings settings = DevAgentCommand.settings(List.of("-socket", "/tmp/a.sock", "-trust-domain",
                "example.org", "-svid-ttl", "90s", "-entries", "unix:uid:1000=" + BACKEND + ", unix:uid:0="
                        + "spiffe://example.org/root"));

        assertEquals(Duration.ofSeconds(90), settings.svidTtl());
        assertEquals(List.of(new RegistrationEntry(1000, BACKEND),
                new RegistrationEntry(0, SpiffeId.parse("spiffe://example.org/root"))), settings.entries());
    }

    @Test
    void aBadEntryIsAUsageErrorNamingIt() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> DevAgentCommand.settings(List.of("-socket", "/tmp/a.sock", "-entries", "uid=1")));

        assertTrue(e.getMessage().startsWith("flag "), e.getMessage());
        assertTrue(e.getMessage().contains("uid=1"), e.getMessage());
    }
}
