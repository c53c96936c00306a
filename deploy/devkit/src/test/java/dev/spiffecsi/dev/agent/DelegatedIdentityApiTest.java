package dev.spiffecsi.dev.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.DelegatedIdentityGrpc.DelegatedIdentityBlockingStub;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.FetchJWTSVIDsRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToJWTBundlesRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToJWTBundlesResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509BundlesRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509BundlesResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.X509SVIDWithKey;
import dev.spiffecsi.backend.fuseproxy.protocol.types.JWTSVID;
import dev.spiffecsi.backend.fuseproxy.protocol.types.SPIFFEID;
import dev.spiffecsi.backend.fuseproxy.protocol.types.Selector;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.spiffe.bundle.jwtbundle.JwtBundle;
import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.svid.x509svid.X509SvidValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dev agent's Delegated Identity API over its real admin socket, with the generated client stubs, as the
 * fuse-proxy backend uses it. This test process is the delegate: an entry for its uid gives it the delegate's
 * identity, {@value #DELEGATE_ID}.
 */
class DelegatedIdentityApiTest {

    private static final String DELEGATE_ID = "spiffe://example.org/spiffe-csi-driver";
    private static final SpiffeId DELEGATE = SpiffeId.parse(DELEGATE_ID);
    private static final SpiffeId CART = SpiffeId.parse("spiffe://example.org/cart");
    private static final TrustDomain EXAMPLE = TrustDomain.parse("example.org");
    private static final TrustDomain OTHER = TrustDomain.parse("other.org");
    private static final Duration QUIET = Duration.ofMillis(500);

    private Path directory;
    private DevAgentSettings settings;
    private DevAgent agent;
    private AdminApiClient client;

    @BeforeEach
    void setUp() throws IOException {
        // not @TempDir: another uid must be able to reach the socket, and JUnit makes its directories 0700
        directory = Files.createTempDirectory("sc");
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        settings = DevAgentSettings.defaults(directory.resolve("agent.sock"))
                .withFederatedDomains(List.of(OTHER))
                .withEntries(List.of(
                        new RegistrationEntry(ownUid(), DELEGATE),
                        new RegistrationEntry(1234, SpiffeId.parse("spiffe://example.org/uid-1234")),
                        RegistrationEntry.parse("k8s:ns:shop+k8s:sa:cart=" + CART + ";federates-with=other.org")))
                .withAdminApi(directory.resolve("admin.sock"), List.of(DELEGATE));
        client = new AdminApiClient(settings.adminSocket());
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close();
        if (agent != null) {
            agent.close();
        }
        try (Stream<Path> tree = Files.walk(directory)) {
            for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    @Test
    void aDelegateGetsTheX509SvidOfAProcessByPidAndItChainsToTheBundle() throws Exception {
        agent = DevAgent.start(settings);

        SubscribeToX509SVIDsResponse update =
                firstX509Update(byPid(ProcessHandle.current().pid()));

        assertEquals(1, update.getX509SvidsCount());
        X509SVIDWithKey svid = update.getX509Svids(0);
        assertEquals(
                SPIFFEID.newBuilder()
                        .setTrustDomain("example.org")
                        .setPath("/spiffe-csi-driver")
                        .build(),
                svid.getX509Svid().getId());
        X509Svid parsed = X509Svid.parseRaw(
                svid.getX509Svid().getCertChain(0).toByteArray(),
                svid.getX509SvidKey().toByteArray());
        assertEquals(DELEGATE, parsed.getSpiffeId());
        X509SvidValidator.verifyChain(
                parsed.getChain(),
                X509Bundle.parse(
                        EXAMPLE, x509Bundles().get("spiffe://example.org").toByteArray()));
        assertEquals(
                parsed.getLeaf().getNotAfter().toInstant().getEpochSecond(),
                svid.getX509Svid().getExpiresAt());
        assertEquals(0, update.getFederatesWithCount());
    }

    /** A child running as uid 1234 (setpriv, a real other process) is attested by its own uid, not the caller's. */
    @Test
    void aProcessOfAnotherUidGetsTheIdentityRegisteredForThatUid() throws Exception {
        assumeTrue(
                ownUid() == 0 && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "skipped: starting a process as another uid needs root and /usr/bin/setpriv");
        agent = DevAgent.start(settings);
        Process child = new ProcessBuilder(
                        "/usr/bin/setpriv", "--reuid=1234", "--regid=1234", "--clear-groups", "sleep", "30")
                .start();
        try {
            awaitExec(child, "sleep");

            SubscribeToX509SVIDsResponse update = firstX509Update(byPid(child.pid()));

            assertEquals(
                    List.of("/uid-1234"),
                    update.getX509SvidsList().stream()
                            .map(svid -> svid.getX509Svid().getId().getPath())
                            .toList());
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    @Test
    void selectorsGetEveryEntryAllOfWhoseSelectorsTheyNameWithItsFederatedTrustDomains() throws Exception {
        agent = DevAgent.start(settings);

        SubscribeToX509SVIDsResponse update =
                firstX509Update(bySelectors("k8s:pod-uid:8c1f", "k8s:ns:shop", "k8s:sa:cart"));

        assertEquals(1, update.getX509SvidsCount());
        X509SVIDWithKey svid = update.getX509Svids(0);
        assertEquals(
                CART,
                X509Svid.parseRaw(
                                svid.getX509Svid().getCertChain(0).toByteArray(),
                                svid.getX509SvidKey().toByteArray())
                        .getSpiffeId());
        assertEquals(List.of("spiffe://other.org"), update.getFederatesWithList());
    }

    @Test
    void aWorkloadNoEntryMatchesGetsAnEmptyUpdateAndTheStreamStaysOpen() throws Exception {
        agent = DevAgent.start(settings);
        StreamRecorder<SubscribeToX509SVIDsResponse> stream = new StreamRecorder<>();

        // the namespace alone: the cart entry also needs the service account
        client.async().subscribeToX509SVIDs(bySelectors("k8s:ns:shop"), stream);

        assertEquals(SubscribeToX509SVIDsResponse.getDefaultInstance(), stream.next());
        assertTrue(stream.quietFor(QUIET), "the stream must stay open, without further updates");
    }

    @Test
    void x509SvidsAreReissuedAndPushedOnTheOpenStream() throws Exception {
        agent = DevAgent.start(settings.withSvidTtl(Duration.ofSeconds(2)));
        StreamRecorder<SubscribeToX509SVIDsResponse> stream = new StreamRecorder<>();

        client.async().subscribeToX509SVIDs(byPid(ProcessHandle.current().pid()), stream);

        assertNotEquals(
                stream.next().getX509Svids(0).getX509Svid().getCertChain(0),
                stream.next().getX509Svids(0).getX509Svid().getCertChain(0));
    }

    @Test
    void aCallerWhoseIdentityIsNotAnAuthorizedDelegateIsRefused() throws Exception {
        agent = DevAgent.start(settings.withAdminApi(
                settings.adminSocket(), List.of(SpiffeId.parse("spiffe://example.org/someone-else"))));
        DelegatedIdentityBlockingStub stub = client.blocking();

        StatusRuntimeException stream = assertThrows(
                StatusRuntimeException.class,
                () -> stub.subscribeToX509Bundles(SubscribeToX509BundlesRequest.getDefaultInstance())
                        .hasNext());
        StatusRuntimeException unary = assertThrows(
                StatusRuntimeException.class,
                () -> stub.fetchJWTSVIDs(FetchJWTSVIDsRequest.newBuilder()
                        .addAudience("a")
                        .setPid((int) ProcessHandle.current().pid())
                        .build()));

        assertEquals(Status.Code.PERMISSION_DENIED, stream.getStatus().getCode());
        assertEquals(Status.Code.PERMISSION_DENIED, unary.getStatus().getCode());
        assertEquals(
                "caller not configured as an authorized delegate: it is attested as " + DELEGATE_ID,
                unary.getStatus().getDescription());
    }

    @Test
    void bundlesOfEveryKnownTrustDomainAreKeyedByTrustDomainId() throws Exception {
        agent = DevAgent.start(settings);

        Map<String, ByteString> x509 = x509Bundles();
        Map<String, ByteString> jwt = client.blocking()
                .subscribeToJWTBundles(SubscribeToJWTBundlesRequest.getDefaultInstance())
                .next()
                .getBundlesMap();

        assertEquals(Set.of("spiffe://example.org", "spiffe://other.org"), x509.keySet());
        assertEquals(x509.keySet(), jwt.keySet());
        X509Certificate otherCa = X509Bundle.parse(
                        OTHER, x509.get("spiffe://other.org").toByteArray())
                .getX509Authorities()
                .iterator()
                .next();
        assertEquals(
                List.of(List.of(6, "spiffe://other.org")),
                otherCa.getSubjectAlternativeNames().stream().toList());
        assertEquals(
                1,
                JwtBundle.parse(OTHER, jwt.get("spiffe://other.org").toByteArray())
                        .getJwtAuthorities()
                        .size());
    }

    @Test
    void jwtSvidsVerifyAgainstTheJwtBundleAndStateTheirTimes() throws Exception {
        agent = DevAgent.start(settings);

        List<JWTSVID> svids = client.blocking()
                .fetchJWTSVIDs(FetchJWTSVIDsRequest.newBuilder()
                        .addAudience("payments")
                        .addAudience("audit")
                        .addSelectors(selector("k8s:ns:shop"))
                        .addSelectors(selector("k8s:sa:cart"))
                        .build())
                .getSvidsList();
        SubscribeToJWTBundlesResponse bundles = client.blocking()
                .subscribeToJWTBundles(SubscribeToJWTBundlesRequest.getDefaultInstance())
                .next();

        assertEquals(1, svids.size());
        JWTSVID svid = svids.getFirst();
        JwtSvid verified = JwtSvid.parseAndValidate(
                svid.getToken(),
                JwtBundle.parse(
                        EXAMPLE,
                        bundles.getBundlesOrThrow("spiffe://example.org").toByteArray()),
                Set.of("payments"));
        assertEquals(CART, verified.getSpiffeId());
        assertEquals("/cart", svid.getId().getPath());
        assertEquals(verified.getExpiry().toInstant().getEpochSecond(), svid.getExpiresAt());
        assertEquals(Duration.ofMinutes(10).toSeconds(), svid.getExpiresAt() - svid.getIssuedAt());
    }

    @Test
    void aJwtSvidForAWorkloadWithoutEntriesIsPermissionDenied() throws Exception {
        agent = DevAgent.start(settings);

        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> client.blocking()
                        .fetchJWTSVIDs(FetchJWTSVIDsRequest.newBuilder()
                                .addAudience("a")
                                .addSelectors(selector("k8s:ns:elsewhere"))
                                .build()));

        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        assertEquals("no identity issued", e.getStatus().getDescription());
    }

    @Test
    void requestsNamingBothPidAndSelectorsOrNeitherOrMalformedOrWithoutAudienceAreInvalid() throws Exception {
        agent = DevAgent.start(settings);
        int pid = (int) ProcessHandle.current().pid();
        DelegatedIdentityBlockingStub stub = client.blocking();

        List<StatusRuntimeException> refusals = List.of(
                assertThrows(
                        StatusRuntimeException.class,
                        () -> stub.subscribeToX509SVIDs(byPid(pid).toBuilder()
                                        .addSelectors(selector("k8s:ns:shop"))
                                        .build())
                                .hasNext()),
                assertThrows(
                        StatusRuntimeException.class,
                        () -> stub.subscribeToX509SVIDs(SubscribeToX509SVIDsRequest.getDefaultInstance())
                                .hasNext()),
                assertThrows(
                        StatusRuntimeException.class,
                        () -> stub.subscribeToX509SVIDs(SubscribeToX509SVIDsRequest.newBuilder()
                                        .addSelectors(Selector.newBuilder()
                                                .setType("k8s:ns")
                                                .setValue("shop"))
                                        .build())
                                .hasNext()),
                assertThrows(
                        StatusRuntimeException.class,
                        () -> stub.fetchJWTSVIDs(FetchJWTSVIDsRequest.newBuilder()
                                .addAudience("a")
                                .setPid(pid)
                                .addSelectors(selector("k8s:ns:shop"))
                                .build())),
                assertThrows(
                        StatusRuntimeException.class,
                        () -> stub.fetchJWTSVIDs(
                                FetchJWTSVIDsRequest.newBuilder().setPid(pid).build())));

        assertEquals(
                List.of(
                        Status.Code.INVALID_ARGUMENT,
                        Status.Code.INVALID_ARGUMENT,
                        Status.Code.INVALID_ARGUMENT,
                        Status.Code.INVALID_ARGUMENT,
                        Status.Code.INVALID_ARGUMENT),
                refusals.stream().map(e -> e.getStatus().getCode()).toList());
        assertEquals(
                "must provide either selectors or non-zero PID, but not both",
                refusals.getFirst().getStatus().getDescription());
    }

    @Test
    void aPidOfNoProcessFailsAttestation() throws Exception {
        agent = DevAgent.start(settings);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();

        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> client.blocking().subscribeToX509SVIDs(byPid(gone.pid())).hasNext());

        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertTrue(
                e.getStatus().getDescription().startsWith("workload attestation failed"),
                e.getStatus().getDescription());
    }

    /**
     * What a delegate sees when the agent restarts: its stream ends cleanly; its channel reconnects to the
     * restarted agent, which, given the same keys, serves the same bundles, and given new keys, new ones.
     */
    @Test
    void aRestartEndsTheStreamsAndTheSameKeysKeepTheTrustAnchors() throws Exception {
        DevAgentKeys keys = DevAgentKeys.create(settings);
        agent = DevAgent.start(settings, keys);
        StreamRecorder<SubscribeToX509SVIDsResponse> stream = new StreamRecorder<>();
        client.async().subscribeToX509SVIDs(byPid(ProcessHandle.current().pid()), stream);
        stream.next();
        Map<String, ByteString> before = x509Bundles();

        agent.close();
        assertNull(stream.end(), "the stream must end cleanly");
        agent = DevAgent.start(settings, keys);
        Map<String, ByteString> sameKeys = x509Bundles();
        agent.close();
        agent = DevAgent.start(settings);
        Map<String, ByteString> newKeys = x509Bundles();

        assertEquals(before, sameKeys);
        assertNotEquals(before.get("spiffe://example.org"), newKeys.get("spiffe://example.org"));
        assertEquals(1, firstX509Update(byPid(ProcessHandle.current().pid())).getX509SvidsCount());
    }

    @Test
    void keysForOtherTrustDomainsAreRefused() {
        DevAgentKeys keys = DevAgentKeys.create(DevAgentSettings.defaults(settings.socket()));

        assertThrows(IllegalArgumentException.class, () -> DevAgent.start(settings, keys));
    }

    private SubscribeToX509SVIDsResponse firstX509Update(SubscribeToX509SVIDsRequest request) {
        return client.blocking().subscribeToX509SVIDs(request).next();
    }

    private Map<String, ByteString> x509Bundles() {
        SubscribeToX509BundlesResponse first = client.blocking()
                .subscribeToX509Bundles(SubscribeToX509BundlesRequest.getDefaultInstance())
                .next();
        return first.getCaCertificatesMap();
    }

    private static SubscribeToX509SVIDsRequest byPid(long pid) {
        return SubscribeToX509SVIDsRequest.newBuilder().setPid((int) pid).build();
    }

    private static SubscribeToX509SVIDsRequest bySelectors(String... selectors) {
        SubscribeToX509SVIDsRequest.Builder request = SubscribeToX509SVIDsRequest.newBuilder();
        for (String text : selectors) {
            request.addSelectors(selector(text));
        }
        return request.build();
    }

    private static Selector selector(String text) {
        WorkloadSelector parsed = WorkloadSelector.parse(text);
        return Selector.newBuilder()
                .setType(parsed.type())
                .setValue(parsed.value())
                .build();
    }

    private static int ownUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    /** setpriv changes the uid, then execs: until it has, the child is still this process's uid. */
    private static void awaitExec(Process child, String command) throws Exception {
        Path comm = Path.of("/proc", Long.toString(child.pid()), "comm");
        long deadline = System.nanoTime() + StreamRecorder.PATIENCE.toNanos();
        while (!Files.readString(comm).strip().equals(command)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the child never became " + command);
            }
            Thread.sleep(10);
        }
    }
}
