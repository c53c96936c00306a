package dev.spiffecsi.dev.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.config.ConfigException;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DevAgentSettingsTest {

    private static final SpiffeId DELEGATE = SpiffeId.parse("spiffe://example.org/spiffe-csi-driver");
    private static final DevAgentSettings DEFAULTS = DevAgentSettings.defaults(Path.of("/tmp/a.sock"));

    @Test
    void theCommandReadsTheAdminApiAndTheFederatedTrustDomainsFromItsFlags() {
        DevAgentSettings settings = DevAgentCommand.settings(List.of(
                "-socket",
                "/tmp/a.sock",
                "-admin-socket",
                "/tmp/admin.sock",
                "-authorized-delegates",
                DELEGATE + ", spiffe://example.org/b",
                "-federated-domains",
                "other.org,third.org",
                "-entries",
                "unix:uid:0=" + DELEGATE + ",k8s:ns:shop+k8s:sa:cart=spiffe://example.org/cart"
                        + ";federates-with=other.org"));

        assertEquals(Path.of("/tmp/admin.sock"), settings.adminSocket());
        assertEquals(List.of(DELEGATE, SpiffeId.parse("spiffe://example.org/b")), settings.authorizedDelegates());
        assertEquals(
                List.of(TrustDomain.parse("other.org"), TrustDomain.parse("third.org")), settings.federatedDomains());
        assertEquals(2, settings.entries().size());
    }

    @Test
    void withoutAdminSocketThereIsNoAdminApi() {
        DevAgentSettings settings = DevAgentCommand.settings(List.of("-socket", "/tmp/a.sock"));

        assertNull(settings.adminSocket());
        assertEquals(List.of(), settings.authorizedDelegates());
    }

    @Test
    void anAdminSocketNeedsDelegatesAndDelegatesNeedAnAdminSocket() {
        ConfigException noDelegates = assertThrows(
                ConfigException.class,
                () -> DevAgentCommand.settings(List.of("-socket", "/tmp/a.sock", "-admin-socket", "/tmp/admin.sock")));
        ConfigException noSocket = assertThrows(
                ConfigException.class,
                () -> DevAgentCommand.settings(
                        List.of("-socket", "/tmp/a.sock", "-authorized-delegates", DELEGATE.toString())));

        assertTrue(noDelegates.getMessage().contains("authorized delegate"), noDelegates.getMessage());
        assertTrue(noSocket.getMessage().contains("admin socket"), noSocket.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withAdminApi(DEFAULTS.socket(), List.of(DELEGATE)));
        assertThrows(
                IllegalArgumentException.class,
                () -> DEFAULTS.withAdminApi(
                        Path.of("/tmp/admin.sock"), List.of(SpiffeId.parse("spiffe://other.org/delegate"))));
    }

    @Test
    void entriesFederateOnlyWithKnownTrustDomainsOtherThanTheAgentsOwn() {
        RegistrationEntry federating =
                RegistrationEntry.parse("unix:uid:1=spiffe://example.org/a;federates-with=other.org");

        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withEntries(List.of(federating)));
        assertEquals(
                List.of(federating),
                DEFAULTS.withFederatedDomains(List.of(TrustDomain.parse("other.org")))
                        .withEntries(List.of(federating))
                        .entries());
        assertThrows(
                IllegalArgumentException.class,
                () -> DEFAULTS.withFederatedDomains(List.of(DevAgentSettings.DEFAULT_TRUST_DOMAIN)));
    }
}
