package dev.spiffecsi.dev.simulatednode.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.spiffecsi.dev.agent.RegistrationEntry;
import dev.spiffecsi.dev.demo.Leftovers;
import dev.spiffecsi.dev.kubelet.Pod;
import dev.spiffecsi.dev.workload.ExampleWorkload;
import dev.spiffecsi.dev.workload.WorkloadEndpoint;
import dev.spiffecsi.spi.contract.Privileges;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.spiffe.exception.JwtSvidException;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.svid.x509svid.X509SvidValidator;
import io.spiffe.workloadapi.DefaultWorkloadApiClient;
import io.spiffe.workloadapi.WorkloadApiClient;
import io.spiffe.workloadapi.X509Context;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fuse-proxy backend through the real driver, started in this process, over its real CSI socket: the kubelet
 * simulator publishes the volumes, the dev agent issues the identities through its Delegated Identity API, and the
 * real java-spiffe client reads them through each pod's target path. Identity {@code pid}: the agent attests each
 * caller's process, so this process (the driver's uid) gets the driver's identity, and a process of uid
 * {@value #BILLING_UID} gets {@code billing}.
 */
class FuseProxyEndToEndTest {

    private static final int BILLING_UID = 1234;
    private static final SpiffeId BILLING = SpiffeId.parse("spiffe://example.org/billing");
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path scratch;

    private ProxiedNode node;
    private EventLoopGroup eventLoops;

    @BeforeEach
    void setUp() throws Exception {
        Privileges.assumeCanMountPrivately();
        node = ProxiedNode.start(List.of(new RegistrationEntry(BILLING_UID, BILLING)));
        eventLoops = new EpollEventLoopGroup(1);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (eventLoops != null) {
            eventLoops.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        if (node != null) {
            node.close();
        }
    }

    /** Its own: the identity the agent gives this process on its own socket, chained to the agent's bundle. */
    @Test
    void aWorkloadGetsItsOwnSvidThroughTheProxy() throws Exception {
        Path target = node.kubelet().publish(Pod.of("web", "default", "default"));

        X509Context proxied = firstUpdate(node.endpointIn(target, "web").address());
        X509Context direct = firstUpdate("unix://" + node.agentSocket());

        assertEquals(List.of(node.driverId()), idsIn(proxied));
        assertEquals(idsIn(direct), idsIn(proxied));
        X509SvidValidator.verifyChain(proxied.getDefaultSvid().getChain(), direct.getX509BundleSet());
    }

    /**
     * The security property of the proxy: a caller gets what the agent issues for its own process, whichever
     * volume it calls through, never what it issues for another caller, though one driver process serves both.
     * The volume's socket is 0666 (the default socket-mode), so that uid {@value #BILLING_UID} may connect.
     */
    @Test
    void workloadsOfDifferentUidsOnTwoVolumesGetTheirOwnIdentitiesAndNeverEachOthers() throws Exception {
        OtherUidWorkload billing = OtherUidWorkload.prepare(BILLING_UID, scratch);
        Path webTarget = node.kubelet().publish(Pod.of("web", "default", "default"));
        Path billingTarget = node.kubelet().publish(Pod.of("billing", "shop", "billing"));
        WorkloadEndpoint billingEndpoint = node.endpointIn(billingTarget, "billing");
        OtherUidWorkload.letEveryoneReach(billingEndpoint, node.layout().root());

        OtherUidWorkload.Outcome billingOutcome = billing.firstUpdateFrom(billingEndpoint.address());
        X509Context web = firstUpdate(node.endpointIn(webTarget, "web").address());

        assertEquals(0, billingOutcome.exitCode(), billingOutcome.output());
        assertEquals(
                List.of(BILLING.toString()), PrintedContext.svids(billingOutcome.output()), billingOutcome.output());
        assertEquals(List.of(node.driverId()), idsIn(web));
    }

    /**
     * JWT-SVIDs through the proxy with the real java-spiffe client: fetched on the caller's behalf, and validated by
     * the proxy against the dev agent's JWT bundle, whose keys are marked {@code "use": "jwt-svid"} as in a SPIFFE
     * bundle.
     */
    @Test
    void aJwtSvidFetchedThroughTheProxyIsValidatedByIt() throws Exception {
        Path target = node.kubelet().publish(Pod.of("web", "default", "default"));
        WorkloadEndpoint endpoint = node.endpointIn(target, "jwt");
        try (WorkloadApiClient client =
                DefaultWorkloadApiClient.newClient(DefaultWorkloadApiClient.ClientOptions.builder()
                        .spiffeSocketPath(endpoint.address())
                        .build())) {
            JwtSvid fetched = client.fetchJwtSvid("payments");
            assertEquals(node.driverId(), fetched.getSpiffeId());

            JwtSvid validated = client.validateJwtSvid(fetched.getToken(), "payments");

            assertEquals(node.driverId(), validated.getSpiffeId());
            assertEquals(Set.of("payments"), validated.getAudience());
            assertThrows(JwtSvidException.class, () -> client.validateJwtSvid(fetched.getToken(), "billing"));
        } finally {
            endpoint.removeAlias();
        }
    }

    @Test
    void aCallWithoutTheSecurityHeaderIsRefusedWithInvalidArgument() throws Exception {
        Path target = node.kubelet().publish(Pod.of("web", "default", "default"));

        try (RawWorkloadApi api =
                new RawWorkloadApi(ProxiedNode.socketOf(node.endpointIn(target, "raw")), eventLoops)) {
            StatusRuntimeException refused =
                    assertThrows(StatusRuntimeException.class, api::firstX509SvidWithoutSecurityHeader);

            assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
            assertEquals(
                    "security header missing from request", refused.getStatus().getDescription());
            assertEquals(
                    node.driverId().toString(),
                    api.firstX509Svid().getSvids(0).getSpiffeId(),
                    "the same connection is answered once the call has the header");
        }
    }

    /**
     * Once the first update arrived, the short link the workload connected through is removed: the client could
     * not connect again, so a later update can only have come on the stream it holds open.
     */
    @Test
    void anAgentRestartMidStreamBringsFreshSvidsOnTheWorkloadsOpenStream() throws Exception {
        Path target = node.kubelet().publish(Pod.of("web", "default", "default"));
        WorkloadEndpoint endpoint = node.endpointIn(target, "restart");
        X509Updates updates = new X509Updates();

        try (ExampleWorkload workload = ExampleWorkload.connect(endpoint.address())) {
            workload.watch(updates);
            X509Context before = updates.next();
            endpoint.removeAlias();

            node.restartAgent();
            X509Context after = updates.next();

            assertEquals(idsIn(before), idsIn(after));
            assertNotEquals(
                    before.getDefaultSvid().getLeaf().getSerialNumber(),
                    after.getDefaultSvid().getLeaf().getSerialNumber(),
                    "a freshly issued SVID");
            X509SvidValidator.verifyChain(after.getDefaultSvid().getChain(), after.getX509BundleSet());
        }
    }

    /** A java-spiffe watch and a bare stream are open on the volume while the kubelet unpublishes it. */
    @Test
    void unpublishingAVolumeWithOpenConnectionsSucceedsAndLeavesNoMountAndNoDirectory() throws Exception {
        Pod pod = Pod.of("web", "default", "default");
        Path target = node.kubelet().publish(pod);
        WorkloadEndpoint endpoint = node.endpointIn(target, "open");
        X509Updates updates = new X509Updates();

        try (ExampleWorkload watching = ExampleWorkload.connect(endpoint.address());
                RawWorkloadApi streaming = new RawWorkloadApi(ProxiedNode.socketOf(endpoint), eventLoops)) {
            watching.watch(updates);
            updates.next();
            streaming.firstX509Svid();

            node.kubelet().unpublish(pod);

            assertEquals(List.of(), Leftovers.after(target, node.layout().podsDir()));
        } finally {
            endpoint.removeAlias();
        }
    }

    private static X509Context firstUpdate(String address) throws Exception {
        try (ExampleWorkload workload = ExampleWorkload.connect(address)) {
            return workload.firstUpdate(PATIENCE);
        }
    }

    private static List<SpiffeId> idsIn(X509Context context) {
        return context.getX509Svids().stream().map(X509Svid::getSpiffeId).toList();
    }
}
