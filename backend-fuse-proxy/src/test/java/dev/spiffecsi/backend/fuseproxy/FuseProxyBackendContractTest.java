package dev.spiffecsi.backend.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.spiffecsi.backend.fuseproxy.testing.FakeDelegatedAgent;
import dev.spiffecsi.backend.fuseproxy.testing.WorkloadClient;
import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendConfig;
import dev.spiffecsi.spi.BackendProvider;
import dev.spiffecsi.spi.EngineContext;
import dev.spiffecsi.spi.MapBackendConfig;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.contract.BackendContractTest;
import dev.spiffecsi.spi.contract.ContractFixture;
import dev.spiffecsi.spi.contract.Privileges;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The SPI contract, against real FUSE mounts (root, private mount namespace) and a fake agent admin socket in the
 * fixture's agent socket directory, which therefore stands for "the agent" in the health check.
 *
 * <p>One contract method does not fit a proxy and is skipped, visibly, by {@link NotAProxyContract}: it expects the
 * agent's socket itself to be reachable through the target, but here the socket at the target is this driver's own
 * Workload API server. {@link #publishServesTheWorkloadApiAtTheTarget} checks the equivalent.
 */
@ExtendWith(FuseProxyBackendContractTest.NotAProxyContract.class)
class FuseProxyBackendContractTest extends BackendContractTest {

    private static final String ADMIN_SOCKET = "admin.sock";

    private final MountSyscalls mounts = new JnaMountSyscalls();
    private FakeDelegatedAgent agent;

    /** Skips the one contract method that assumes the agent's socket is published, with the reason. */
    static final class NotAProxyContract implements ExecutionCondition {
        static final String GREETING_TEST = "publishMakesTheAgentSocketReachableAtTheTarget";

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getTestMethod().filter(m -> m.getName().equals(GREETING_TEST)).isPresent()
                    ? ConditionEvaluationResult.disabled("fuse-proxy terminates the Workload API itself: the socket "
                    + "at the target is the driver's server, not the agent's, so the agent's greeting cannot come "
                    + "through; publishServesTheWorkloadApiAtTheTarget checks the equivalent")
                    : ConditionEvaluationResult.enabled("a contract method that fits a proxy");
        }
    }

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
        return new MapBackendConfig("spiffe-csi.backends.fuse-proxy", Map.of(
                "socket-name", ContractFixture.SOCKET_NAME,
                "admin-socket-path", agentDir.resolve(ADMIN_SOCKET).toString(),
                "identity", "pid",
                "socket-mode", "0666",
                "unmount-busy-timeout", "1s",
                "agent-timeout", "5s"));
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

    @Test
    void publishServesTheWorkloadApiAtTheTarget() throws Exception {
        Path target = fixture.newTarget();
        backend().publish(publishRequest(target));

        assertEquals(TargetState.PUBLISHED, backend().inspect(target));
        try (WorkloadClient client = WorkloadClient.connect(target.resolve(ContractFixture.SOCKET_NAME))) {
            assertEquals("spiffe://example.org/contract-test", client.fetchX509Svid().getSvids(0).getSpiffeId());
        }
        assertFalse(backend().condition(target).abnormal(), () -> backend().condition(target).message());
    }
}
