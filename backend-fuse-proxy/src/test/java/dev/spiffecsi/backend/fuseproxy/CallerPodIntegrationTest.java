package dev.spiffecsi.backend.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.delegated.AgentClient;
import dev.spiffecsi.backend.fuseproxy.peer.PeerProcess;
import dev.spiffecsi.backend.fuseproxy.testing.FakeDelegatedAgent;
import dev.spiffecsi.backend.fuseproxy.testing.ForkedWorkloadClient;
import dev.spiffecsi.backend.fuseproxy.testing.PodCgroup;
import dev.spiffecsi.backend.fuseproxy.testing.WorkloadClient;
import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.contract.ContractFixture;
import dev.spiffecsi.spi.contract.Privileges;
import io.grpc.Status;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * require-pod-cgroup as pods meet it: real FUSE mounts, real sockets, workloads in child processes moved into real
 * cgroups named as the kubelet names a pod's ({@link PodCgroup}), and a fake agent. Needs root in a private mount
 * namespace, and a writable cgroup v2 hierarchy.
 */
class CallerPodIntegrationTest {

    private static final String POD_WORKLOAD = "spiffe://example.org/pod-workload";
    private static final String BY_POD = "spiffe://example.org/ns/default/sa/default";

    @TempDir
    Path tempDir;

    private ContractFixture fixture;
    private FakeDelegatedAgent agent;
    private final ProxiedVolumes volumes = new ProxiedVolumes();
    private Path shortDir;

    @BeforeEach
    void setUp() throws Exception {
        Privileges.assumeCanMountPrivately();
        fixture = new ContractFixture(tempDir);
        agent = new FakeDelegatedAgent(fixture.socketDir().resolve("admin.sock"), "example.org").start();
        shortDir = Files.createTempDirectory("cp"); // socket addresses are limited to 107 bytes
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
        if (shortDir != null) {
            try (var links = Files.list(shortDir)) {
                for (Path link : links.toList()) {
                    Files.delete(link);
                }
            }
            Files.delete(shortDir);
        }
    }

    private Backend backend(String identity) throws IOException {
        return volumes.add(new FuseProxyProvider()
                .create(
                        ProxiedVolumes.config(agent, identity, true),
                        fixture.context(fixture.socketDir(), new JnaMountSyscalls(), FuseProxyProvider.NAME)));
    }

    private static String podUid(Path target) {
        return target.getParent()
                .getParent()
                .getParent()
                .getParent()
                .getFileName()
                .toString();
    }

    private PublishRequest request(Path target, String podUid) {
        volumes.published(target);
        Map<String, String> context = podUid.isEmpty()
                ? Map.of(PodInfo.POD_NAME, "web", PodInfo.POD_NAMESPACE, "default", PodInfo.SERVICE_ACCOUNT, "default")
                : Map.of(
                        PodInfo.POD_NAME,
                        "web",
                        PodInfo.POD_NAMESPACE,
                        "default",
                        PodInfo.POD_UID,
                        podUid,
                        PodInfo.SERVICE_ACCOUNT,
                        "default");
        return new PublishRequest("vol-" + podUid(target), target, true, PodInfo.fromVolumeContext(context), context);
    }

    /** Publishes a volume for the pod its target path names; the socket, through a short link. */
    private Path publish(Backend backend) throws IOException {
        Path target = fixture.newTarget();
        backend.publish(request(target, podUid(target)));
        return Files.createSymbolicLink(
                        shortDir.resolve(UUID.randomUUID().toString().substring(0, 8)), target)
                .resolve(ContractFixture.SOCKET_NAME);
    }

    /** A workload in a child process, put into {@code pod}'s cgroup first if given: what it printed. */
    private List<String> fetchFromChild(Path socket, PodCgroup pod, String registeredId) throws Exception {
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ForkedWorkloadClient.class.getName(),
                        socket.toString())
                .redirectErrorStream(true)
                .start();
        try {
            if (pod != null) {
                pod.enter(child.pid());
            }
            agent.registerPid(child.pid(), registeredId);
            try (OutputStream stdin = child.getOutputStream()) {
                stdin.write("go\n".getBytes(StandardCharsets.UTF_8));
            }
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            child.waitFor();
            return output.lines()
                    .filter(line -> line.startsWith("spiffe_id=")
                            || line.startsWith("status=")
                            || line.startsWith("description="))
                    .toList();
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    private static List<String> refused(Status status) {
        return List.of("status=" + status.getCode(), "description=" + status.getDescription());
    }

    @Test
    void aProcessOfTheVolumesPodIsServedAndOneOfAnotherPodOrOfNoneIsUnauthenticated() throws Exception {
        Backend backend = backend("pid");
        Path socket = publish(backend);
        String uid = podUid(socket.getParent().toRealPath());

        try (PodCgroup own = PodCgroup.create(uid);
                PodCgroup other = PodCgroup.create(UUID.randomUUID().toString())) {
            assertEquals(List.of("spiffe_id=" + POD_WORKLOAD), fetchFromChild(socket, own, POD_WORKLOAD));
            List<String> asked = agent.x509SvidRequests();

            assertEquals(
                    refused(PodBoundCallers.NOT_IN_POD),
                    fetchFromChild(socket, other, POD_WORKLOAD),
                    "a process of another pod that reached the socket");
            assertEquals(
                    refused(PodBoundCallers.NOT_IN_POD),
                    fetchFromChild(socket, null, POD_WORKLOAD),
                    "a process of the node, in no pod");
            agent.registerPid(ProcessHandle.current().pid(), POD_WORKLOAD);
            try (WorkloadClient client = WorkloadClient.connect(socket)) {
                Status status = WorkloadClient.statusOf(client::fetchX509Svid);
                assertEquals(Status.Code.UNAUTHENTICATED, status.getCode(), status.toString());
                assertEquals(
                        Status.Code.UNAUTHENTICATED,
                        WorkloadClient.statusOf(() -> client.fetchJwtSvid("a")).getCode());
                assertEquals(
                        Status.Code.UNAUTHENTICATED,
                        WorkloadClient.statusOf(client::fetchJwtBundles).getCode());
            }
            assertEquals(asked, agent.x509SvidRequests(), "the agent was never asked for a refused caller");
        }
    }

    @Test
    void podSelectorsAreOnlyGivenToTheVolumesOwnPod() throws Exception {
        agent.registerSelectors(Set.of("k8s:ns:default", "k8s:sa:default"), BY_POD);
        Backend backend = backend("pod-selectors");
        Path socket = publish(backend);
        String uid = podUid(socket.getParent().toRealPath());

        try (WorkloadClient client = WorkloadClient.connect(socket)) {
            Status status = WorkloadClient.statusOf(client::fetchX509Svid);
            assertEquals(PodBoundCallers.NOT_IN_POD.getCode(), status.getCode(), status.toString());
            assertEquals(PodBoundCallers.NOT_IN_POD.getDescription(), status.getDescription());
        }
        assertEquals(List.of(), agent.x509SvidRequests(), "this process, in no pod, never got the pod's identity");
        try (PodCgroup own = PodCgroup.create(uid)) {
            assertEquals(List.of("spiffe_id=" + BY_POD), fetchFromChild(socket, own, "spiffe://example.org/unused"));
        }
    }

    @Test
    void aProcessOfThePodThatHasExitedWhenItsCallIsCheckedIsRefusedAsExited() throws Exception {
        Backend backend = volumes.add(FuseProxyProvider.create(
                ProxiedVolumes.config(agent, "pid", true),
                fixture.context(fixture.socketDir(), new JnaMountSyscalls(), FuseProxyProvider.NAME),
                (socketFd, pid) -> PeerProcess.EXITED));
        Path socket = publish(backend);

        try (PodCgroup own = PodCgroup.create(podUid(socket.getParent().toRealPath()))) {
            assertEquals(
                    refused(AgentClient.WORKLOAD_EXITED),
                    fetchFromChild(socket, own, POD_WORKLOAD),
                    "in the pod's cgroup, but its pid may name another process by now");
        }
        assertEquals(List.of(), agent.x509SvidRequests());
    }

    @Test
    void aPublishWithoutThePodsUidIsRefusedAndLeavesNothing() throws Exception {
        Backend backend = backend("pid");
        Path target = fixture.newTarget();

        BackendException refused = assertThrows(BackendException.class, () -> backend.publish(request(target, "")));

        assertEquals(BackendException.Failure.INVALID_REQUEST, refused.failure());
        assertTrue(refused.getMessage().contains("podInfoOnMount"), refused.getMessage());
        assertEquals(TargetState.ABSENT, backend.inspect(target));
        try (var entries = Files.list(target)) {
            assertEquals(0, entries.count(), "nothing mounted or created at the target");
        }
    }
}
