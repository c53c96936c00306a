package dev.spiffecsi.dev.testing;

import dev.spiffecsi.dev.agent.DevAgent;
import dev.spiffecsi.dev.agent.DevAgentSettings;
import dev.spiffecsi.dev.demo.NodeLayout;
import dev.spiffecsi.dev.kubelet.KubeletSimulator;
import dev.spiffecsi.dev.kubelet.RetryPolicy;
import dev.spiffecsi.engine.backend.BackendRegistry;
import dev.spiffecsi.engine.runtime.Driver;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A node with everything running, as the demo sets it up: the dev SPIFFE agent, the driver with the given
 * backend on its real Unix socket, and a kubelet simulator connected to it.
 */
public final class RunningNode implements AutoCloseable {

    private final NodeLayout layout;
    private final DevAgent agent;
    private final Driver driver;
    private final KubeletSimulator kubelet;

    private RunningNode(NodeLayout layout, DevAgent agent, Driver driver, KubeletSimulator kubelet) {
        this.layout = layout;
        this.agent = agent;
        this.driver = driver;
        this.kubelet = kubelet;
    }

    public static RunningNode start(String backend) throws IOException {
        NodeLayout layout = NodeLayout.createTemporary();
        DevAgent agent = DevAgent.start(DevAgentSettings.defaults(layout.agentSocket()));
        ClassLoader classLoader = RunningNode.class.getClassLoader();
        Driver driver =
                Driver.start(layout.driverConfig(backend, classLoader), BackendRegistry.discover(classLoader), "test");
        KubeletSimulator kubelet =
                KubeletSimulator.connect(driver.socket(), layout.podsDir(), RetryPolicy.kubeletDefaults());
        return new RunningNode(layout, agent, driver, kubelet);
    }

    public NodeLayout layout() {
        return layout;
    }

    public Path root() {
        return layout.root();
    }

    public KubeletSimulator kubelet() {
        return kubelet;
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
