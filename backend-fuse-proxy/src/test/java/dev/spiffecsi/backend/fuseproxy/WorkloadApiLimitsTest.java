package dev.spiffecsi.backend.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVIDRequest;
import dev.spiffecsi.backend.fuseproxy.testing.FakeDelegatedAgent;
import dev.spiffecsi.backend.fuseproxy.testing.RawHttp2;
import dev.spiffecsi.backend.fuseproxy.testing.WorkloadClient;
import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.contract.ContractFixture;
import dev.spiffecsi.spi.contract.Privileges;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The limits of a volume's Workload API server (the {@code limits} settings), tried at the wire the way a hostile
 * process in a pod can: each is reached, the excess refused as documented, and what is within the limits (and the
 * other volumes) still served. Needs root in a private mount namespace.
 */
class WorkloadApiLimitsTest {

    private static final String WORKLOAD_ID = "spiffe://example.org/workload";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String FETCH_X509_SVID = "/SpiffeWorkloadAPI/FetchX509SVID";

    @TempDir
    Path tempDir;

    private ContractFixture fixture;
    private FakeDelegatedAgent agent;
    private final ProxiedVolumes volumes = new ProxiedVolumes();
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        Privileges.assumeCanMountPrivately();
        fixture = new ContractFixture(tempDir);
        agent = new FakeDelegatedAgent(fixture.socketDir().resolve("admin.sock"), "example.org").start();
        agent.registerPid(ProcessHandle.current().pid(), WORKLOAD_ID);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable closeable : closeLater) {
            closeable.close();
        }
        volumes.close();
        if (agent != null) {
            agent.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    private Backend backend(Map<String, ?> limits) throws IOException {
        Map<String, Object> settings = new HashMap<>();
        limits.forEach((key, value) -> settings.put("limits." + key, value));
        return volumes.add(FuseProxyProvider.create(
                ProxiedVolumes.config(agent, "pid", settings),
                fixture.context(fixture.socketDir(), new JnaMountSyscalls(), FuseProxyProvider.NAME),
                dev.spiffecsi.backend.fuseproxy.peer.PeerProcess.Tracker.PIDFD));
    }

    private Path publish(Backend backend) throws IOException {
        Path target = volumes.published(fixture.newTarget());
        String uid = target.getParent()
                .getParent()
                .getParent()
                .getParent()
                .getFileName()
                .toString();
        Map<String, String> context = Map.of(
                PodInfo.POD_NAME,
                "workload",
                PodInfo.POD_NAMESPACE,
                "default",
                PodInfo.POD_UID,
                uid,
                PodInfo.SERVICE_ACCOUNT,
                "default");
        backend.publish(new PublishRequest("vol-" + uid, target, true, PodInfo.fromVolumeContext(context), context));
        return target.resolve(ContractFixture.SOCKET_NAME);
    }

    private <T extends AutoCloseable> T later(T closeable) {
        closeLater.add(closeable);
        return closeable;
    }

    /** A raw connection that sent its preface and got the server's SETTINGS: accepted and served. */
    private RawHttp2 accepted(Path socket) throws IOException {
        RawHttp2 connection = later(RawHttp2.connect(socket).preface());
        RawHttp2.Frame first = connection.next(WAIT);
        assertNotNull(first, "the connection was closed: refused");
        assertEquals(RawHttp2.SETTINGS, first.type());
        return connection;
    }

    /** Whether a new connection is closed by the server before it sends anything: refused at accept. */
    private boolean refused(Path socket) throws IOException {
        try (RawHttp2 connection = RawHttp2.connect(socket)) {
            connection.preface();
            return connection.next(WAIT) == null;
        } catch (IOException e) {
            return true; // reset while sending the preface
        }
    }

    private static String svidOf(WorkloadClient client) {
        return client.fetchX509Svid().getSvids(0).getSpiffeId();
    }

    @Test
    void aConnectionBeyondTheVolumesLimitIsClosedAtOnceAndTheOthersAreServed() throws Exception {
        Path socket = publish(backend(Map.of("max-connections", 3)));
        RawHttp2 first = accepted(socket);
        accepted(socket);
        WorkloadClient client = later(WorkloadClient.connect(socket));
        assertEquals(WORKLOAD_ID, svidOf(client)); // the third connection

        assertTrue(refused(socket), "a fourth connection is closed before the server sends anything");
        assertEquals(WORKLOAD_ID, svidOf(client), "the connections within the limit are still served");

        first.close();
        ProxiedVolumes.eventually("a connection closed makes room for another", WAIT, () -> {
            try {
                return !refused(socket);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void theNodesConnectionLimitCountsEveryVolume() throws Exception {
        Backend backend = backend(Map.of("node-max-connections", 2));
        Path one = publish(backend);
        Path other = publish(backend);
        RawHttp2 first = accepted(one);
        accepted(one);

        assertTrue(refused(other), "the other volume's connection is refused: the node has 2 open");

        first.close();
        ProxiedVolumes.eventually("a connection closed on one volume makes room on the other", WAIT, () -> {
            try {
                return !refused(other);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void aStreamBeyondTheConnectionsLimitIsRefusedAndTheLimitIsAdvertised() throws Exception {
        Path socket = publish(backend(Map.of("max-calls-per-connection", 2)));
        RawHttp2 connection = accepted(socket);
        // the server's first SETTINGS was read by accepted(); it said how many streams it takes
        try (RawHttp2 probe = RawHttp2.connect(socket).preface()) {
            assertEquals(2, probe.next(WAIT).setting(RawHttp2.SETTINGS_MAX_CONCURRENT_STREAMS));
        }
        byte[] request = X509SVIDRequest.getDefaultInstance().toByteArray();
        connection.call(1, FETCH_X509_SVID, request);
        connection.call(3, FETCH_X509_SVID, request);
        connection.open(5, FETCH_X509_SVID); // beyond the advertised limit, as a hostile client may

        Set<Integer> answered = new HashSet<>();
        Integer refused = null;
        while (answered.size() < 2 || refused == null) {
            RawHttp2.Frame frame = connection.next(WAIT);
            assertNotNull(
                    frame,
                    "the server closed the connection or stopped answering; answered " + answered + ", refused "
                            + refused);
            if (frame.type() == RawHttp2.HEADERS) {
                answered.add(frame.stream());
            } else if (frame.type() == RawHttp2.RST_STREAM) {
                assertEquals(RawHttp2.REFUSED_STREAM, frame.uint32(0), "RST_STREAM's error code");
                refused = frame.stream();
            }
            assertTrue(answered.size() + (refused == null ? 0 : 1) <= 3);
            assertTrue(!answered.contains(5), "the third stream was served");
        }
        assertEquals(Set.of(1, 3), answered);
        assertEquals(5, refused);
    }

    @Test
    void aCallBeyondTheVolumesLimitIsResourceExhaustedAndOtherVolumesAreServed() throws Exception {
        Backend backend = backend(Map.of("max-calls", 2));
        Path socket = publish(backend);
        Path other = publish(backend);
        WorkloadClient client = later(WorkloadClient.connect(socket));
        WorkloadClient.X509Stream first = client.openX509Stream();
        first.next();
        client.openX509Stream().next();

        Status refused = WorkloadClient.statusOf(client::fetchJwtBundles);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getCode(), refused.toString());
        assertTrue(refused.getDescription().contains("limits.max-calls"), refused.getDescription());
        WorkloadClient neighbour = later(WorkloadClient.connect(other));
        assertEquals(WORKLOAD_ID, svidOf(neighbour), "another volume has calls of its own");

        first.cancel();
        ProxiedVolumes.eventually("an ended call makes room", WAIT, () -> {
            try {
                client.fetchJwtBundles();
                return true;
            } catch (io.grpc.StatusRuntimeException e) {
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
                return false;
            }
        });
    }

    @Test
    void theNodesCallLimitCountsEveryVolume() throws Exception {
        Backend backend = backend(Map.of("node-max-calls", 2));
        Path one = publish(backend);
        Path other = publish(backend);
        WorkloadClient client = later(WorkloadClient.connect(one));
        WorkloadClient.X509Stream first = client.openX509Stream();
        first.next();
        client.openX509Stream().next();

        WorkloadClient neighbour = later(WorkloadClient.connect(other));
        Status refused = WorkloadClient.statusOf(neighbour::fetchX509Svid);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getCode(), refused.toString());
        assertTrue(refused.getDescription().contains("limits.node-max-calls"), refused.getDescription());

        first.cancel();
        ProxiedVolumes.eventually("an ended call on one volume makes room on the other", WAIT, () -> {
            try {
                return svidOf(neighbour).equals(WORKLOAD_ID);
            } catch (io.grpc.StatusRuntimeException e) {
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
                return false;
            }
        });
    }

    @Test
    void aRequestLargerThanTheLimitIsResourceExhausted() throws Exception {
        Path socket = publish(backend(Map.of()));
        WorkloadClient client = later(WorkloadClient.connect(socket));
        String token = "x".repeat(64 * 1024 + 1); // the default limit is 64 KiB: one byte more
        Status refused = WorkloadClient.statusOf(() -> client.validateJwtSvid(token, "db"));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getCode(), refused.toString());
        String huge = "x".repeat(4 * 1024 * 1024 - 100);
        assertEquals(
                Status.Code.RESOURCE_EXHAUSTED,
                WorkloadClient.statusOf(() -> client.validateJwtSvid(huge, "db"))
                        .getCode());
        assertEquals(
                Status.Code.INVALID_ARGUMENT,
                WorkloadClient.statusOf(() -> client.validateJwtSvid("x".repeat(60 * 1024), "db"))
                        .getCode(),
                "a large token within the limit is looked at");
        assertEquals(WORKLOAD_ID, svidOf(client), "the connection is still served");
    }

    @Test
    void aHeaderListLargerThanTheLimitIsRefused() throws Exception {
        Path socket = publish(backend(Map.of("max-header-list-size", "1KiB")));
        try (WorkloadClient client = WorkloadClient.connect(socket, true, Map.of("x-padding", "p".repeat(2048)))) {
            Status refused = WorkloadClient.statusOf(client::fetchX509Svid);
            assertTrue(
                    refused.getCode() == Status.Code.RESOURCE_EXHAUSTED || refused.getCode() == Status.Code.INTERNAL,
                    refused.toString());
        }
        try (WorkloadClient client = WorkloadClient.connect(socket)) {
            assertEquals(WORKLOAD_ID, svidOf(client), "a client within the limit is served");
        }
    }

    @Test
    void aConnectionWithoutCallsIsClosedAfterTheIdleTimeout() throws Exception {
        Path socket = publish(backend(Map.of("connection-idle-timeout", "300ms")));
        RawHttp2 idle = accepted(socket);
        boolean goaway = false;
        for (RawHttp2.Frame frame = idle.next(WAIT); frame != null; frame = idle.next(WAIT)) {
            goaway |= frame.type() == RawHttp2.GOAWAY;
        }
        assertTrue(goaway, "the server said GOAWAY before it closed the idle connection");
    }

    @Test
    void aConnectionThatNeverCompletesTheHandshakeIsClosed() throws Exception {
        Path socket = publish(backend(Map.of("handshake-timeout", "300ms")));
        try (RawHttp2 silent = RawHttp2.connect(socket)) {
            // sends nothing at all: no preface, no settings
            assertTrue(silent.closedWithin(WAIT), "closed after the handshake timeout");
        }
    }

    @Test
    void allStreamsOfOneCallerShareOneSubscriptionToTheAgent() throws Exception {
        Path socket = publish(backend(Map.of()));
        WorkloadClient client = later(WorkloadClient.connect(socket));
        WorkloadClient another = later(WorkloadClient.connect(socket));
        List<WorkloadClient.X509Stream> streams = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            WorkloadClient.X509Stream stream = (i % 2 == 0 ? client : another).openX509Stream();
            assertEquals(WORKLOAD_ID, stream.next().getSvids(0).getSpiffeId());
            streams.add(stream);
        }
        client.fetchX509Bundles(); // another kind of call, of the same caller
        assertEquals(1, agent.openSvidStreams(), "one subscription for the caller's calls");
        assertEquals(
                1, agent.x509SvidRequests().size(), agent.x509SvidRequests().toString());

        streams.forEach(WorkloadClient.X509Stream::cancel);
        ProxiedVolumes.eventually(
                "the last call to leave cancels the subscription", WAIT, () -> agent.openSvidStreams() == 0);
        assertEquals(WORKLOAD_ID, svidOf(client));
        assertEquals(2, agent.x509SvidRequests().size(), "a call after that subscribes anew");
    }

    @Test
    void refusalsDoNotStopTheVolumeFromServing() throws Exception {
        Path socket = publish(backend(Map.of("max-connections", 1)));
        WorkloadClient client = later(WorkloadClient.connect(socket));
        assertEquals(WORKLOAD_ID, svidOf(client));
        for (int i = 0; i < 200; i++) {
            assertTrue(refused(socket));
        }
        assertEquals(WORKLOAD_ID, svidOf(client));
    }
}
