package dev.spiffecsi.dev.simulatednode.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.FuseProxyProvider;
import dev.spiffecsi.dev.agent.DevAgent;
import dev.spiffecsi.dev.agent.DevAgentKeys;
import dev.spiffecsi.dev.agent.DevAgentSettings;
import dev.spiffecsi.dev.agent.RegistrationEntry;
import dev.spiffecsi.dev.demo.DriverDelegate;
import dev.spiffecsi.dev.demo.NodeLayout;
import dev.spiffecsi.dev.kubelet.KubeletSimulator;
import dev.spiffecsi.dev.kubelet.RetryPolicy;
import dev.spiffecsi.dev.testing.NodeCleanup;
import dev.spiffecsi.dev.workload.WorkloadEndpoint;
import dev.spiffecsi.engine.backend.BackendRegistry;
import dev.spiffecsi.engine.runtime.Driver;
import io.spiffe.spiffeid.SpiffeId;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A node whose driver runs the fuse-proxy backend, all in this process: the dev agent with its admin socket, the
 * driver (identity {@code pid}, the default) on its real CSI socket, and the kubelet simulator. This process is the
 * driver and so the agent's authorized delegate ({@link DriverDelegate}); since the dev agent attests by uid alone,
 * a workload running in this process gets the delegate's identity too.
 */
final class ProxiedNode implements AutoCloseable {

    private final NodeLayout layout;
    private final DevAgentSettings agentSettings;
    private final DevAgentKeys agentKeys;
    private final Driver driver;
    private final KubeletSimulator kubelet;
    private DevAgent agent;

    private ProxiedNode(
            NodeLayout layout,
            DevAgentSettings agentSettings,
            DevAgentKeys agentKeys,
            DevAgent agent,
            Driver driver,
            KubeletSimulator kubelet) {
        this.layout = layout;
        this.agentSettings = agentSettings;
        this.agentKeys = agentKeys;
        this.agent = agent;
        this.driver = driver;
        this.kubelet = kubelet;
    }

    /** @param workloadEntries what the agent registers besides the driver's own entry */
    static ProxiedNode start(List<RegistrationEntry> workloadEntries) throws IOException {
        NodeLayout layout = NodeLayout.createTemporary();
        DevAgentSettings settings = DriverDelegate.authorizeThisProcess(
                DevAgentSettings.defaults(layout.agentSocket()).withEntries(workloadEntries), layout.adminSocket());
        DevAgentKeys keys = DevAgentKeys.create(settings);
        DevAgent agent = DevAgent.start(settings, keys);
        ClassLoader classLoader = ProxiedNode.class.getClassLoader();
        Driver driver = Driver.start(
                layout.driverConfig(FuseProxyProvider.NAME, classLoader),
                BackendRegistry.discover(classLoader),
                "test");
        KubeletSimulator kubelet =
                KubeletSimulator.connect(driver.socket(), layout.podsDir(), RetryPolicy.kubeletDefaults());
        return new ProxiedNode(layout, settings, keys, agent, driver, kubelet);
    }

    NodeLayout layout() {
        return layout;
    }

    KubeletSimulator kubelet() {
        return kubelet;
    }

    /** The identity of every process of this uid, this one included. */
    SpiffeId driverId() {
        return DriverDelegate.id(agentSettings);
    }

    /** The agent's own Workload API socket, to compare with what the proxy serves. */
    Path agentSocket() {
        return layout.agentSocket();
    }

    /** The socket in a published volume, reached through a short link named {@code linkName} when it must be. */
    WorkloadEndpoint endpointIn(Path target, String linkName) throws IOException {
        return WorkloadEndpoint.reach(target.resolve(NodeLayout.AGENT_SOCKET_NAME), layout.shortLink(linkName));
    }

    /** The path to connect to for {@code endpoint}: its short link's when it has one. */
    static Path socketOf(WorkloadEndpoint endpoint) {
        return Path.of(endpoint.address().substring("unix://".length()));
    }

    /** Stops the agent and starts it again on the same sockets with the same keys, as a restarting SPIRE agent. */
    void restartAgent() throws IOException {
        agent.close();
        agent = DevAgent.start(agentSettings, agentKeys);
    }

    /** Stops everything; mounts a failed test left behind are detached first, so that nothing leaks. */
    @Override
    public void close() throws IOException {
        kubelet.close();
        driver.close();
        agent.close();
        NodeCleanup.detachLeftoversAndDelete(layout);
    }
}
