package dev.spiffecsi.backend.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.fuse.FuseMount;
import dev.spiffecsi.backend.fuseproxy.peer.PeerProcess;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.JWTSVIDResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.ValidateJWTSVIDResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVID;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVIDResponse;
import dev.spiffecsi.backend.fuseproxy.testing.FakeDelegatedAgent;
import dev.spiffecsi.backend.fuseproxy.testing.ForkedWorkloadClient;
import dev.spiffecsi.backend.fuseproxy.testing.TrustDomainAuthority;
import dev.spiffecsi.backend.fuseproxy.testing.WorkloadClient;
import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.MapBackendConfig;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.contract.ContractFixture;
import dev.spiffecsi.spi.contract.Privileges;
import io.grpc.Status;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The backend as pods use it: real FUSE mounts, real Unix sockets, a Workload API client in this process (and one in
 * a child process), and a fake SPIRE agent's Delegated Identity API. Needs root in a private mount namespace.
 */
class FuseProxyIntegrationTest {

    private static final String OWN_TRUST_DOMAIN = "example.org";
    private static final String FEDERATED = "partner.test";
    private static final String UNRELATED = "unrelated.test";
    private static final String WORKLOAD_ID = "spiffe://example.org/workload";
    private static final long OWN_PID = ProcessHandle.current().pid();

    @TempDir
    Path tempDir;

    private final MountSyscalls mounts = new JnaMountSyscalls();
    private ContractFixture fixture;
    private FakeDelegatedAgent agent;
    private final ProxiedVolumes volumes = new ProxiedVolumes();

    @BeforeEach
    void setUp() throws Exception {
        Privileges.assumeCanMountPrivately();
        fixture = new ContractFixture(tempDir);
        agent = new FakeDelegatedAgent(
                        fixture.socketDir().resolve("admin.sock"), OWN_TRUST_DOMAIN, FEDERATED, UNRELATED)
                .start();
    }

    @AfterEach
    void tearDown() throws Exception {
        volumes.close();
        if (agent != null) {
            agent.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    private Backend backend(String identity) throws IOException {
        return backend(identity, mounts);
    }

    private Backend backend(String identity, MountSyscalls mounts) throws IOException {
        return volumes.add(new FuseProxyProvider()
                .create(config(identity), fixture.context(fixture.socketDir(), mounts, FuseProxyProvider.NAME)));
    }

    /** With each caller's process tracked by {@code processes} instead of a pidfd. */
    private Backend backend(String identity, PeerProcess.Tracker processes) throws IOException {
        return volumes.add(FuseProxyProvider.create(
                config(identity), fixture.context(fixture.socketDir(), mounts, FuseProxyProvider.NAME), processes));
    }

    private MapBackendConfig config(String identity) {
        return ProxiedVolumes.config(agent, identity);
    }

    /** Processes that run for {@code checks} liveness checks (per connection), then have exited. */
    private static PeerProcess.Tracker exitingAfter(int checks) {
        return (socket, pid) -> {
            AtomicInteger done = new AtomicInteger();
            return () -> done.incrementAndGet() > checks;
        };
    }

    private static void assertRefusedAsExited(Status status) {
        assertEquals(Status.Code.PERMISSION_DENIED, status.getCode(), status.toString());
        assertEquals("the process that opened this connection has exited; reconnect", status.getDescription());
    }

    private Backend backend() throws IOException {
        return backend("pid");
    }

    private PublishRequest request(Path target) {
        volumes.published(target);
        Map<String, String> context = Map.of(
                PodInfo.POD_NAME,
                "workload",
                PodInfo.POD_NAMESPACE,
                "default",
                PodInfo.POD_UID,
                podUid(target),
                PodInfo.SERVICE_ACCOUNT,
                "default");
        return new PublishRequest("vol-" + podUid(target), target, true, PodInfo.fromVolumeContext(context), context);
    }

    private static String podUid(Path target) {
        return target.getParent()
                .getParent()
                .getParent()
                .getParent()
                .getFileName()
                .toString();
    }

    private Path publish(Backend backend) throws IOException {
        Path target = fixture.newTarget();
        backend.publish(request(target));
        return target;
    }

    private static Path socket(Path target) {
        return target.resolve(ContractFixture.SOCKET_NAME);
    }

    private void registerSelf() {
        agent.registerPid(OWN_PID, WORKLOAD_ID, FEDERATED);
    }

    private static X509Certificate certificate(ByteString der) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(der.newInput());
    }

    private static String uriSan(X509Certificate certificate) throws Exception {
        return certificate.getSubjectAlternativeNames().stream()
                .filter(san -> (Integer) san.get(0) == 6)
                .map(san -> (String) san.get(1))
                .findFirst()
                .orElseThrow();
    }

    private ByteString caDer(String trustDomain) throws Exception {
        return ByteString.copyFrom(agent.authority(trustDomain).caCertificate().getEncoded());
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        ProxiedVolumes.eventually(what, Duration.ofSeconds(10), condition);
    }

    private static List<String> ourMountsBelow(Path dir) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(line -> line.contains(" - " + FuseMount.FS_TYPE + " "))
                .map(line -> line.split(" ")[4])
                .filter(point -> point.startsWith(dir.toString()))
                .toList();
    }

    @Test
    void aClientGetsItsOwnX509SvidThroughTheProxy() throws Exception {
        registerSelf();
        Path target = publish(backend());

        try (WorkloadClient client = WorkloadClient.connect(socket(target))) {
            X509SVIDResponse response = client.fetchX509Svid();

            assertEquals(1, response.getSvidsCount());
            X509SVID svid = response.getSvids(0);
            assertEquals(WORKLOAD_ID, svid.getSpiffeId());
            X509Certificate leaf = certificate(svid.getX509Svid());
            assertEquals(WORKLOAD_ID, uriSan(leaf));
            leaf.verify(agent.authority(OWN_TRUST_DOMAIN).caCertificate().getPublicKey());
            assertEquals(
                    leaf.getPublicKey().getAlgorithm(),
                    KeyFactory.getInstance("EC")
                            .generatePrivate(new PKCS8EncodedKeySpec(
                                    svid.getX509SvidKey().toByteArray()))
                            .getAlgorithm());
            assertEquals(caDer(OWN_TRUST_DOMAIN), svid.getBundle());
            assertEquals(Map.of("spiffe://" + FEDERATED, caDer(FEDERATED)), response.getFederatedBundlesMap());
        }
        assertEquals(List.of("pid " + OWN_PID), agent.x509SvidRequests(), "asked on behalf of the caller's pid");
        assertEquals(0140666, (int) Files.getAttribute(socket(target), "unix:mode"), "socket-mode applied");
    }

    @Test
    void bundlesOfUnrelatedTrustDomainsAreNotPassedOn() throws Exception {
        registerSelf();
        Path target = publish(backend());

        try (WorkloadClient client = WorkloadClient.connect(socket(target))) {
            Set<String> expected = Set.of("spiffe://" + OWN_TRUST_DOMAIN, "spiffe://" + FEDERATED);
            assertEquals(
                    Set.of("spiffe://" + FEDERATED),
                    client.fetchX509Svid().getFederatedBundlesMap().keySet());
            assertEquals(expected, client.fetchX509Bundles().getBundlesMap().keySet());
            assertEquals(
                    Map.of(
                            "spiffe://" + OWN_TRUST_DOMAIN,
                            caDer(OWN_TRUST_DOMAIN),
                            "spiffe://" + FEDERATED,
                            caDer(FEDERATED)),
                    client.fetchX509Bundles().getBundlesMap());
            Map<String, ByteString> jwtBundles = client.fetchJwtBundles().getBundlesMap();
            assertEquals(expected, jwtBundles.keySet());
            assertEquals(
                    agent.authority(OWN_TRUST_DOMAIN).jwks(),
                    jwtBundles.get("spiffe://" + OWN_TRUST_DOMAIN).toStringUtf8());
        }
    }

    @Test
    void callsWithoutTheSecurityHeaderAreRefused() throws Exception {
        registerSelf();
        Path target = publish(backend());

        try (WorkloadClient client = WorkloadClient.connect(socket(target), false)) {
            assertEquals(
                    Status.Code.INVALID_ARGUMENT,
                    WorkloadClient.statusOf(client::fetchX509Svid).getCode());
            assertEquals(
                    Status.Code.INVALID_ARGUMENT,
                    WorkloadClient.statusOf(() -> client.fetchJwtSvid("a")).getCode());
            assertEquals(
                    Status.Code.INVALID_ARGUMENT,
                    WorkloadClient.statusOf(client::fetchJwtBundles).getCode());
        }
        assertEquals(List.of(), agent.x509SvidRequests(), "refused before asking the agent");
    }

    @Test
    void aCallerWithoutIdentityIsDeniedEverything() throws Exception {
        Path target = publish(backend());

        try (WorkloadClient client = WorkloadClient.connect(socket(target))) {
            Status denied = WorkloadClient.statusOf(client::fetchX509Svid);
            assertEquals(Status.Code.PERMISSION_DENIED, denied.getCode());
            assertEquals("no identity issued", denied.getDescription());
            assertEquals(
                    Status.Code.PERMISSION_DENIED,
                    WorkloadClient.statusOf(client::fetchX509Bundles).getCode());
            assertEquals(
                    Status.Code.PERMISSION_DENIED,
                    WorkloadClient.statusOf(client::fetchJwtBundles).getCode());
            assertEquals(
                    Status.Code.PERMISSION_DENIED,
                    WorkloadClient.statusOf(() -> client.fetchJwtSvid("a")).getCode());
        }
    }

    @Test
    void twoProcessesGetTheirOwnIdentitiesAndNeverEachOthers() throws Exception {
        registerSelf();
        Path target = publish(backend());
        Path shortDir = Files.createTempDirectory("fk");
        Path link = Files.createSymbolicLink(shortDir.resolve("d"), target);
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ForkedWorkloadClient.class.getName(),
                        link.resolve(ContractFixture.SOCKET_NAME).toString())
                .redirectErrorStream(true)
                .start();
        try {
            agent.registerPid(child.pid(), "spiffe://example.org/other-process");
            try (OutputStream stdin = child.getOutputStream()) {
                stdin.write("go\n".getBytes(StandardCharsets.UTF_8));
            }
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, child.waitFor(), output);
            List<String> lines = output.lines()
                    .filter(l -> l.startsWith("spiffe_id=") || l.startsWith("federated="))
                    .toList();
            assertEquals(List.of("spiffe_id=spiffe://example.org/other-process", "federated=[]"), lines, output);

            try (WorkloadClient client = WorkloadClient.connect(socket(target))) {
                X509SVIDResponse own = client.fetchX509Svid();
                assertEquals(
                        List.of(WORKLOAD_ID),
                        own.getSvidsList().stream().map(X509SVID::getSpiffeId).toList());
            }
            assertTrue(
                    agent.x509SvidRequests().containsAll(List.of("pid " + child.pid(), "pid " + OWN_PID)),
                    agent.x509SvidRequests().toString());
        } finally {
            child.destroyForcibly().waitFor();
            Files.delete(link);
            Files.delete(shortDir);
        }
    }

    /**
     * ValidateJWTSVID finds the signing key by kid whatever the bundle's format: SPIRE's delegated API sends plain
     * JWKS keys, a SPIFFE bundle marks them {@code "use": "jwt-svid"} (which JOSE's default key selection skips).
     */
    @ParameterizedTest
    @EnumSource(TrustDomainAuthority.JwksFormat.class)
    void jwtSvidsAreIssuedAndValidatedOnBehalfOfTheCaller(TrustDomainAuthority.JwksFormat format) throws Exception {
        agent.jwksFormat(format);
        registerSelf();
        Path target = publish(backend());

        try (WorkloadClient client = WorkloadClient.connect(socket(target))) {
            JWTSVIDResponse issued = client.fetchJwtSvid("payments");
            assertEquals(1, issued.getSvidsCount());
            assertEquals(WORKLOAD_ID, issued.getSvids(0).getSpiffeId());
            String token = issued.getSvids(0).getSvid();

            ValidateJWTSVIDResponse validated = client.validateJwtSvid(token, "payments");
            assertEquals(WORKLOAD_ID, validated.getSpiffeId());
            assertEquals(
                    WORKLOAD_ID, validated.getClaims().getFieldsOrThrow("sub").getStringValue());
            assertEquals(
                    "payments",
                    validated
                            .getClaims()
                            .getFieldsOrThrow("aud")
                            .getListValue()
                            .getValues(0)
                            .getStringValue());

            assertEquals(
                    Status.Code.INVALID_ARGUMENT,
                    WorkloadClient.statusOf(() -> client.validateJwtSvid(token, "billing"))
                            .getCode(),
                    "audience");
            String expired =
                    agent.authority(OWN_TRUST_DOMAIN).signJwt(WORKLOAD_ID, List.of("payments"), Duration.ofMinutes(-5));
            assertEquals(
                    Status.Code.INVALID_ARGUMENT,
                    WorkloadClient.statusOf(() -> client.validateJwtSvid(expired, "payments"))
                            .getCode(),
                    "expired");
            String untrusted = agent.authority(UNRELATED)
                    .signJwt("spiffe://unrelated.test/x", List.of("payments"), Duration.ofMinutes(5));
            assertEquals(
                    Status.Code.INVALID_ARGUMENT,
                    WorkloadClient.statusOf(() -> client.validateJwtSvid(untrusted, "payments"))
                            .getCode(),
                    "a trust domain the caller does not federate with");
            String federated = agent.authority(FEDERATED)
                    .signJwt("spiffe://partner.test/api", List.of("payments"), Duration.ofMinutes(5));
            assertEquals(
                    "spiffe://partner.test/api",
                    client.validateJwtSvid(federated, "payments").getSpiffeId());
            String forged = agent.authority(FEDERATED).signJwt(WORKLOAD_ID, List.of("payments"), Duration.ofMinutes(5));
            assertEquals(
                    Status.Code.INVALID_ARGUMENT,
                    WorkloadClient.statusOf(() -> client.validateJwtSvid(forged, "payments"))
                            .getCode(),
                    "signed by another trust domain's key");
            assertEquals(
                    Status.Code.INVALID_ARGUMENT,
                    WorkloadClient.statusOf(() -> client.fetchJwtSvid()).getCode(),
                    "no audience");
        }
    }

    @Test
    void theStreamResumesWithFreshSvidsWhenTheAgentRestarts() throws Exception {
        registerSelf();
        Path target = publish(backend());

        try (WorkloadClient client = WorkloadClient.connect(socket(target))) {
            WorkloadClient.X509Stream stream = client.openX509Stream();
            X509SVIDResponse before = stream.next();

            agent.stop();
            assertTrue(stream.quietFor(Duration.ofMillis(500)), "the workload's stream stays open without an agent");
            agent.start();

            X509SVIDResponse after = stream.next();
            assertEquals(WORKLOAD_ID, after.getSvids(0).getSpiffeId());
            assertNotEquals(
                    certificate(before.getSvids(0).getX509Svid()).getSerialNumber(),
                    certificate(after.getSvids(0).getX509Svid()).getSerialNumber(),
                    "a freshly issued SVID");
            stream.cancel();
        }
    }

    @Test
    void theDelegatedStreamEndsWithTheWorkloadsCall() throws Exception {
        registerSelf();
        Path target = publish(backend());

        try (WorkloadClient client = WorkloadClient.connect(socket(target))) {
            WorkloadClient.X509Stream stream = client.openX509Stream();
            stream.next();
            assertEquals(1, agent.openSvidStreams());
            stream.cancel();
            eventually("the delegated stream is cancelled", () -> agent.openSvidStreams() == 0);
        }
    }

    @Test
    void aCallerWhoseProcessHasExitedIsRefusedWithoutAskingTheAgent() throws Exception {
        registerSelf();
        Path target = publish(backend("pid", exitingAfter(0)));

        try (WorkloadClient client = WorkloadClient.connect(socket(target))) {
            assertRefusedAsExited(WorkloadClient.statusOf(client::fetchX509Svid));
            assertRefusedAsExited(WorkloadClient.statusOf(client::fetchX509Bundles));
            assertRefusedAsExited(WorkloadClient.statusOf(client::fetchJwtBundles));
            assertRefusedAsExited(WorkloadClient.statusOf(() -> client.fetchJwtSvid("a")));
            assertRefusedAsExited(WorkloadClient.statusOf(() -> client.validateJwtSvid("not.a.token", "a")));
        }
        assertEquals(List.of(), agent.x509SvidRequests(), "nothing asked for a pid that may name another process");
    }

    @Test
    void anAnswerForACallerWhoseProcessExitedMeanwhileIsDropped() throws Exception {
        registerSelf();
        Path target = publish(backend("pid", exitingAfter(1))); // alive when asking, exited when the answer comes

        try (WorkloadClient client = WorkloadClient.connect(socket(target))) {
            assertRefusedAsExited(WorkloadClient.statusOf(client::fetchX509Svid));
        }
        assertEquals(List.of("pid " + OWN_PID), agent.x509SvidRequests(), "asked, and the answer dropped");
        eventually("the delegated stream is cancelled", () -> agent.openSvidStreams() == 0);
        try (WorkloadClient client = WorkloadClient.connect(socket(target))) {
            assertRefusedAsExited(WorkloadClient.statusOf(() -> client.fetchJwtSvid("a")));
        }
    }

    @Test
    void aStreamEndsWhenItsCallerHasExitedAndTheAgentMustBeAskedAgain() throws Exception {
        registerSelf();
        AtomicBoolean exited = new AtomicBoolean();
        Path target = publish(backend("pid", (socket, pid) -> exited::get));

        try (WorkloadClient client = WorkloadClient.connect(socket(target))) {
            WorkloadClient.X509Stream stream = client.openX509Stream();
            assertEquals(WORKLOAD_ID, stream.next().getSvids(0).getSpiffeId());
            exited.set(true);
            agent.stop();
            agent.start();
            Status end = stream.end(Duration.ofSeconds(10));
            assertNotNull(end, "the stream ended");
            assertRefusedAsExited(end);
        }
        assertEquals(List.of("pid " + OWN_PID), agent.x509SvidRequests(), "not asked again after the exit");
    }

    @Test
    void podSelectorsDoNotDependOnTheCallersProcess() throws Exception {
        agent.registerSelectors(
                Set.of("k8s:ns:default", "k8s:sa:default"), "spiffe://example.org/ns/default/sa/default");
        Path target = publish(backend("pod-selectors", exitingAfter(0)));

        try (WorkloadClient client = WorkloadClient.connect(socket(target))) {
            assertEquals(
                    "spiffe://example.org/ns/default/sa/default",
                    client.fetchX509Svid().getSvids(0).getSpiffeId());
            assertEquals(
                    "spiffe://example.org/ns/default/sa/default",
                    client.fetchJwtSvid("a").getSvids(0).getSpiffeId());
        }
    }

    @Test
    void podSelectorsNameThePodToTheAgent() throws Exception {
        agent.registerSelectors(
                Set.of("k8s:ns:default", "k8s:sa:default"), "spiffe://example.org/ns/default/sa/default");
        Path target = publish(backend("pod-selectors"));

        try (WorkloadClient client = WorkloadClient.connect(socket(target))) {
            assertEquals(
                    "spiffe://example.org/ns/default/sa/default",
                    client.fetchX509Svid().getSvids(0).getSpiffeId());
            assertEquals(
                    "spiffe://example.org/ns/default/sa/default",
                    client.fetchJwtSvid("a").getSvids(0).getSpiffeId());
        }
        assertEquals(
                List.of("selectors [k8s:ns:default, k8s:pod-uid:" + podUid(target) + ", k8s:sa:default]"),
                agent.x509SvidRequests(),
                "all three selectors: the entry matches on a subset of them");
    }

    @Test
    void unpublishWithOpenConnectionsSucceedsAndLeavesNoMount() throws Exception {
        registerSelf();
        Backend backend = backend();
        Path target = publish(backend);

        try (WorkloadClient client = WorkloadClient.connect(socket(target));
                WorkloadClient idle = WorkloadClient.connect(socket(target))) {
            WorkloadClient.X509Stream stream = client.openX509Stream();
            stream.next();
            idle.fetchJwtBundles();

            backend.unpublish(new UnpublishRequest("vol", target, true));

            assertEquals(List.of(), ourMountsBelow(fixture.podsDir()));
            assertEquals(TargetState.ABSENT, backend.inspect(target));
            try (Stream<Path> entries = Files.list(target)) {
                assertEquals(0, entries.count(), "an empty directory, ready for the engine to remove");
            }
            Status end = stream.end(Duration.ofSeconds(5));
            assertNotNull(end, "the workload's stream was ended");
            assertFalse(end.isOk(), "ended by the server going away: " + end);
            eventually("the delegated stream is cancelled", () -> agent.openSvidStreams() == 0);
        }
    }

    /** An unpublish that stops the listener but fails to unmount must not leave a republish answering OK. */
    @Test
    void aRepublishAfterAFailedUnpublishServesAgain() throws Exception {
        registerSelf();
        AtomicBoolean failUnmount = new AtomicBoolean();
        Backend backend = backend("pid", new FailingUnmount(mounts, failUnmount));
        Path target = publish(backend);

        failUnmount.set(true);
        assertThrows(BackendException.class, () -> backend.unpublish(new UnpublishRequest("vol", target, true)));
        assertFalse(Files.exists(socket(target)), "the listener is stopped");
        assertNotEquals(TargetState.PUBLISHED, backend.inspect(target));

        failUnmount.set(false);
        backend.publish(request(target));

        assertEquals(TargetState.PUBLISHED, backend.inspect(target));
        try (WorkloadClient client = WorkloadClient.connect(socket(target))) {
            assertEquals(WORKLOAD_ID, client.fetchX509Svid().getSvids(0).getSpiffeId());
        }
        assertEquals(1, ourMountsBelow(target).size(), "the old mount is gone, not stacked under the new one");
    }

    /** Fails umount2 with EPERM while {@code fail} is set. */
    private record FailingUnmount(MountSyscalls delegate, AtomicBoolean fail) implements MountSyscalls {
        @Override
        public void mount(String source, Path target, String fsType, long flags, String data) throws IOException {
            delegate.mount(source, target, fsType, flags, data);
        }

        @Override
        public void bindWithAttributes(Path source, Path target, long attributes) throws IOException {
            delegate.bindWithAttributes(source, target, attributes);
        }

        @Override
        public void bindWithAttributes(Path source, dev.spiffecsi.spi.ResolvedTarget target, long attributes)
                throws IOException {
            delegate.bindWithAttributes(source, target, attributes);
        }

        @Override
        public dev.spiffecsi.spi.ResolvedTarget resolveBeneath(Path root, Path target) throws IOException {
            return delegate.resolveBeneath(root, target);
        }

        @Override
        public long mountFlags(Path path) throws IOException {
            return delegate.mountFlags(path);
        }

        @Override
        public void umount2(Path target, int flags) throws IOException {
            if (fail.get()) {
                throw new ErrnoException("umount2", target, EPERM, "Operation not permitted (injected)");
            }
            delegate.umount2(target, flags);
        }

        @Override
        public FileStatus stat(Path path) throws IOException {
            return delegate.stat(path);
        }
    }

    @Test
    void fiftyVolumesComeAndGoConcurrentlyWithoutLeaks() throws Exception {
        registerSelf();
        Backend backend = backend();
        Path warmUp = publish(backend); // loads classes, starts the shared threads and the agent connection
        try (WorkloadClient client = WorkloadClient.connect(socket(warmUp))) {
            client.fetchX509Svid();
        }
        backend.unpublish(new UnpublishRequest("warm-up", warmUp, true));
        ThreadPoolExecutor pool = (ThreadPoolExecutor) Executors.newFixedThreadPool(8);
        pool.prestartAllCoreThreads();
        Resources before = Resources.settled(null);
        Set<String> threadsBefore = threadNames();

        int volumes = 50;
        List<Path> targets = new ArrayList<>();
        for (int i = 0; i < volumes; i++) {
            targets.add(fixture.newTarget());
        }
        Map<Path, String> identities = new HashMap<>();
        try {
            long start = System.nanoTime();
            List<Future<String>> fetched = new ArrayList<>();
            for (Path target : targets) {
                fetched.add(pool.submit(() -> {
                    backend.publish(request(target));
                    try (WorkloadClient client = WorkloadClient.connect(socket(target))) {
                        return client.fetchX509Svid().getSvids(0).getSpiffeId();
                    }
                }));
            }
            for (int i = 0; i < volumes; i++) {
                identities.put(targets.get(i), fetched.get(i).get());
            }
            double publishMillis = (System.nanoTime() - start) / 1e6;
            Resources busy = Resources.now();
            assertEquals(volumes, ourMountsBelow(fixture.podsDir()).size());

            start = System.nanoTime();
            List<Future<?>> unpublished = new ArrayList<>();
            for (Path target : targets) {
                unpublished.add(pool.submit(() -> backend.unpublish(new UnpublishRequest("vol", target, true))));
            }
            for (Future<?> done : unpublished) {
                done.get();
            }
            double unpublishMillis = (System.nanoTime() - start) / 1e6;
            Resources after = Resources.settled(before);
            System.out.printf(
                    "%d volumes: publish + first SVID %.0f ms, unpublish %.0f ms (8 at a time); fds %d "
                            + "before, %d with all published, %d after; threads %d before, %d with all published, "
                            + "%d after%n",
                    volumes,
                    publishMillis,
                    unpublishMillis,
                    before.fds(),
                    busy.fds(),
                    after.fds(),
                    before.threads(),
                    busy.threads(),
                    after.threads());

            assertEquals(Set.of(WORKLOAD_ID), Set.copyOf(identities.values()));
            assertEquals(List.of(), ourMountsBelow(fixture.podsDir()));
            // at most as many as before: a leak adds, while an idle pool thread of the JDK may end meanwhile
            assertTrue(
                    after.fds() <= before.fds(),
                    () -> "open file descriptors: " + before.fds() + " before, " + after.fds() + " after");
            assertTrue(
                    after.threads() <= before.threads(),
                    () -> "threads: " + before.threads() + " before, " + after.threads() + " after; new: "
                            + newThreads(threadsBefore));
            assertEquals(0, agent.openSvidStreams());
        } finally {
            pool.shutdownNow();
        }
    }

    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).collect(Collectors.toSet());
    }

    private static Set<String> newThreads(Set<String> before) {
        Set<String> now = new java.util.TreeSet<>(threadNames());
        now.removeAll(before);
        return now;
    }

    /** Open fds and threads of this process. */
    private record Resources(int fds, int threads) {
        static Resources now() throws IOException {
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"));
                    Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                return new Resources((int) fds.count(), (int) tasks.count());
            }
        }

        /** Waits (up to 10 s) until the counts stop falling, or reach {@code target}'s. */
        static Resources settled(Resources target) throws Exception {
            Resources last = now();
            for (int i = 0; i < 50; i++) {
                Thread.sleep(200);
                Resources current = now();
                if (target != null
                        ? current.fds() <= target.fds() && current.threads() <= target.threads()
                        : current.equals(last)) {
                    return current;
                }
                last = current;
            }
            return last;
        }
    }
}
