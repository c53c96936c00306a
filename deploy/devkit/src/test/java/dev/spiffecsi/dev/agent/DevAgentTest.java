package dev.spiffecsi.dev.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spiffecsi.dev.testing.ReadableClassPath;
import dev.spiffecsi.dev.workload.ExampleWorkload;
import dev.spiffecsi.driver.Main;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.spiffe.bundle.jwtbundle.JwtBundleSet;
import io.spiffe.exception.JwtSvidException;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.svid.x509svid.X509SvidValidator;
import io.spiffe.workloadapi.DefaultWorkloadApiClient;
import io.spiffe.workloadapi.Watcher;
import io.spiffe.workloadapi.WorkloadApiClient;
import io.spiffe.workloadapi.X509Context;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc;
import io.spiffe.workloadapi.grpc.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dev agent over its real Unix socket, with the real java-spiffe client. */
class DevAgentTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final SpiffeId WORKLOAD = SpiffeId.parse("spiffe://example.org/workload");

    private Path directory;
    private Path socket;
    private DevAgent agent;

    @BeforeEach
    void setUp() throws IOException {
        // not @TempDir: another uid must be able to reach the socket, and JUnit makes its directories 0700
        directory = Files.createTempDirectory("sc");
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        socket = directory.resolve("agent.sock");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (agent != null) {
            agent.close();
        }
        try (Stream<Path> tree = Files.walk(directory)) {
            for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private void start(DevAgentSettings settings) throws IOException {
        agent = DevAgent.start(settings);
    }

    private String address() {
        return "unix://" + socket;
    }

    @Test
    void issuesTheDefaultIdentityAsAnX509SvidThatChainsToItsBundle() throws Exception {
        Duration ttl = Duration.ofMinutes(7);
        start(DevAgentSettings.defaults(socket).withSvidTtl(ttl));

        X509Context context;
        try (ExampleWorkload workload = ExampleWorkload.connect(address())) {
            context = workload.firstUpdate(PATIENCE);
        }

        X509Svid svid = context.getDefaultSvid();
        assertEquals(WORKLOAD, svid.getSpiffeId());
        X509SvidValidator.verifyChain(svid.getChain(), context.getX509BundleSet());
        X509Certificate leaf = svid.getLeaf();
        assertEquals(
                256,
                ((ECPublicKey) leaf.getPublicKey())
                        .getParams()
                        .getCurve()
                        .getField()
                        .getFieldSize());
        assertEquals(
                ttl,
                Duration.between(
                        leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()));
        assertEquals(1, context.getX509BundleSet().getBundles().size());
    }

    @Test
    void x509SvidIsReissuedBeforeItExpiresAndPushedOnTheOpenStream() throws Exception {
        start(DevAgentSettings.defaults(socket).withSvidTtl(Duration.ofSeconds(4)));
        BlockingQueue<X509Context> updates = new LinkedBlockingQueue<>();

        try (ExampleWorkload workload = ExampleWorkload.connect(address())) {
            workload.watch(collectInto(updates));
            X509Certificate first = next(updates).getDefaultSvid().getLeaf();
            X509Certificate second = next(updates).getDefaultSvid().getLeaf();

            assertNotEquals(first.getSerialNumber(), second.getSerialNumber());
            assertNotEquals(first.getPublicKey(), second.getPublicKey());
            assertTrue(
                    second.getNotBefore()
                            .toInstant()
                            .isBefore(first.getNotAfter().toInstant()),
                    "the replacement must be issued while the first SVID is still valid");
        }
    }

    @Test
    void callsWithoutTheSecurityHeaderAreRefusedWithInvalidArgument() throws Exception {
        start(DevAgentSettings.defaults(socket));
        EventLoopGroup group = new EpollEventLoopGroup(1);
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(group)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                .build();
        try {
            SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub withoutHeader =
                    SpiffeWorkloadAPIGrpc.newBlockingStub(channel);

            StatusRuntimeException streaming = assertThrows(
                    StatusRuntimeException.class,
                    () -> withoutHeader
                            .fetchX509SVID(Workload.X509SVIDRequest.getDefaultInstance())
                            .hasNext());
            StatusRuntimeException unary = assertThrows(
                    StatusRuntimeException.class,
                    () -> withoutHeader.fetchJWTSVID(Workload.JWTSVIDRequest.newBuilder()
                            .addAudience("a")
                            .build()));

            assertEquals(Status.Code.INVALID_ARGUMENT, streaming.getStatus().getCode());
            assertEquals(Status.Code.INVALID_ARGUMENT, unary.getStatus().getCode());
            assertEquals(
                    "security header missing from request", unary.getStatus().getDescription());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void jwtSvidsVerifyAgainstTheJwtBundleAndTheAgentValidatesThem() throws Exception {
        start(DevAgentSettings.defaults(socket));
        try (WorkloadApiClient client =
                DefaultWorkloadApiClient.newClient(DefaultWorkloadApiClient.ClientOptions.builder()
                        .spiffeSocketPath(address())
                        .build())) {
            JwtSvid svid = client.fetchJwtSvid("payments", "audit");
            JwtBundleSet bundles = client.fetchJwtBundles();

            JwtSvid verified = JwtSvid.parseAndValidate(svid.getToken(), bundles, Set.of("payments", "audit"));
            JwtSvid validatedByAgent = client.validateJwtSvid(svid.getToken(), "payments");

            assertEquals(WORKLOAD, verified.getSpiffeId());
            assertEquals(WORKLOAD, validatedByAgent.getSpiffeId());
            assertThrows(JwtSvidException.class, () -> client.validateJwtSvid(svid.getToken(), "someone-else"));
        }
    }

    /** As from SPIRE: a workload's bundles are those of its own trust domain and those its entry federates with. */
    @Test
    void aCallerWhoseEntryFederatesGetsTheFederatedBundlesToo() throws Exception {
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        start(DevAgentSettings.defaults(socket)
                .withFederatedDomains(List.of(TrustDomain.parse("other.org")))
                .withEntries(List.of(
                        RegistrationEntry.parse("unix:uid:" + uid + "=" + WORKLOAD + ";federates-with=other.org"))));
        Set<TrustDomain> both = Set.of(TrustDomain.parse("example.org"), TrustDomain.parse("other.org"));

        X509Context context;
        try (ExampleWorkload workload = ExampleWorkload.connect(address())) {
            context = workload.firstUpdate(PATIENCE);
        }
        try (WorkloadApiClient client =
                DefaultWorkloadApiClient.newClient(DefaultWorkloadApiClient.ClientOptions.builder()
                        .spiffeSocketPath(address())
                        .build())) {
            assertEquals(both, client.fetchX509Bundles().getBundles().keySet());
            assertEquals(both, client.fetchJwtBundles().getBundles().keySet());
        }

        assertEquals(both, context.getX509BundleSet().getBundles().keySet());
    }

    /**
     * A caller running as uid 1234 (a child JVM under setpriv, a real different peer on the socket) gets the
     * identity registered for that uid, while this process, running as root, gets the default one.
     */
    @Test
    void callersWithDifferentUidsGetTheIdentitiesRegisteredForThem() throws Exception {
        assumeTrue(
                (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0
                        && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "skipped: starting a process as another uid needs root and /usr/bin/setpriv");
        SpiffeId other = SpiffeId.parse("spiffe://example.org/uid-1234");
        start(DevAgentSettings.defaults(socket).withEntries(List.of(new RegistrationEntry(1234, other))));
        Path classes = Files.createDirectory(directory.resolve("cp"));
        String classPath = ReadableClassPath.copyTo(classes);

        Process child = new ProcessBuilder(
                        "/usr/bin/setpriv",
                        "--reuid=1234",
                        "--regid=1234",
                        "--clear-groups",
                        "--",
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-XX:-UsePerfData",
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        classPath,
                        Main.class.getName(),
                        "workload",
                        "-socket",
                        address(),
                        "-updates",
                        "1")
                .redirectErrorStream(true)
                .start();
        String childOutput = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not exit");
        X509Context own;
        try (ExampleWorkload workload = ExampleWorkload.connect(address())) {
            own = workload.firstUpdate(PATIENCE);
        }

        assertEquals(0, child.exitValue(), childOutput);
        assertTrue(childOutput.contains("  SVIDs:\n    " + other + "\n"), childOutput);
        assertEquals(WORKLOAD, own.getDefaultSvid().getSpiffeId());
    }

    private static Watcher<X509Context> collectInto(BlockingQueue<X509Context> updates) {
        return new Watcher<>() {
            @Override
            public void onUpdate(X509Context update) {
                updates.add(update);
            }

            @Override
            public void onError(Throwable error) {
                throw new AssertionError("the watch failed", error);
            }
        };
    }

    private static X509Context next(BlockingQueue<X509Context> updates) throws InterruptedException {
        X509Context update = updates.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        if (update == null) {
            throw new AssertionError("no X.509 context update within " + PATIENCE);
        }
        return update;
    }
}
