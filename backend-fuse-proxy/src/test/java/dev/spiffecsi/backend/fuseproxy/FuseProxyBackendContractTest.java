package dev.spiffecsi.backend.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.testing.FakeDelegatedAgent;
import dev.spiffecsi.backend.fuseproxy.testing.WorkloadClient;
import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendConfig;
import dev.spiffecsi.spi.BackendProvider;
import dev.spiffecsi.spi.EngineContext;
import dev.spiffecsi.spi.Health;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.VolumeCondition;
import dev.spiffecsi.spi.contract.BackendContractTest;
import dev.spiffecsi.spi.contract.ContractFixture;
import dev.spiffecsi.spi.contract.Privileges;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SPI contract, against real FUSE mounts (root, private mount namespace) and a fake agent admin socket in the
 * fixture's agent socket directory, whose presence the health check follows (not the socket's). The socket at the
 * target is this driver's own Workload API server, so "serves the Workload API" is checked with a real X.509-SVID
 * fetch instead of the fake agent's greeting.
 */
class FuseProxyBackendContractTest extends BackendContractTest {

    private static final String ADMIN_SOCKET = "admin.sock";

    private final MountSyscalls mounts = new JnaMountSyscalls();
    private FakeDelegatedAgent agent;

    @Override
    protected void assumeEnvironmentSupportsBackend() {
        Privileges.assumeCanMountPrivately();
    }

    @BeforeEach
    void startAgent() throws Exception {
        agent = new FakeDelegatedAgent(fixture.socketDir().resolve(ADMIN_SOCKET)).start();
        agent.registerPid(ProcessHandle.current().pid(), "spiffe://example.org/contract-test");
    }

    @AfterEach
    void stopAgent() throws Exception {
        if (agent != null) {
            agent.close();
        }
    }

    @Override
    protected BackendProvider provider() {
        return new FuseProxyProvider();
    }

    @Override
    protected BackendConfig config(ContractFixture fixture) {
        return config(fixture.socketDir());
    }

    /** The admin socket lives in the directory the contract calls the agent's. */
    private static BackendConfig config(Path agentDir) {
        return ReferenceSettings.with(Map.of(
                "socket-name",
                ContractFixture.SOCKET_NAME,
                "admin-socket-path",
                agentDir.resolve(ADMIN_SOCKET).toString(),
                "identity",
                "pid",
                "socket-mode",
                "0666",
                "unmount-busy-timeout",
                "1s",
                "agent-timeout",
                "5s",
                "files-publish-wait",
                "3s",
                // the callers are this test process, in no pod's cgroup
                "require-pod-cgroup",
                "false"));
    }

    @Override
    protected Backend create(Path workloadApiSocketDir) throws Exception {
        return provider().create(config(workloadApiSocketDir), context(fixture, workloadApiSocketDir));
    }

    @Override
    protected EngineContext context(ContractFixture fixture, Path workloadApiSocketDir) throws Exception {
        return fixture.context(workloadApiSocketDir, mounts, FuseProxyProvider.NAME);
    }

    @Override
    protected void occupyWithForeignObject(Path target) throws Exception {
        mounts.mount("tmpfs", target, "tmpfs", 0, "size=64k");
    }

    @Override
    protected void removeForeignObject(Path target) throws Exception {
        mounts.umount2(target, 0);
    }

    /**
     * A not-ready Probe gets the driver restarted by the livenessprobe, which kills every volume's filesystem: an
     * agent that is down (its admin socket gone) must not do that, only show in the volumes' conditions.
     */
    @Test
    void healthStaysReadyWhileTheAgentIsDownAndSaysSo() throws Exception {
        Path target = fixture.newTarget();
        backend().publish(publishRequest(target));
        agent.stop();

        Health health = backend().health();
        assertTrue(health.ready(), health.message());
        assertTrue(
                health.message().contains(ADMIN_SOCKET) && health.message().contains("unreachable"), health.message());
        VolumeCondition condition = backend().condition(target);
        assertTrue(condition.abnormal(), condition.message());

        agent.start();
        Thread.sleep(AdminSocketProbe.CACHE_TIME.toMillis() + 100);
        assertTrue(
                backend().health().message().contains("accepting connections"),
                backend().health().message());
    }

    @Override
    protected void assertServesWorkloadApi(Path socket) throws Exception {
        try (WorkloadClient client = WorkloadClient.connect(socket)) {
            assertEquals(
                    "spiffe://example.org/contract-test",
                    client.fetchX509Svid().getSvids(0).getSpiffeId());
        }
    }
}
