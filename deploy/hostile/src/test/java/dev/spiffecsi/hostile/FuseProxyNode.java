package dev.spiffecsi.hostile;

import com.typesafe.config.ConfigFactory;
import dev.spiffecsi.backend.fuseproxy.FuseProxyProvider;
import dev.spiffecsi.dev.agent.DevAgent;
import dev.spiffecsi.dev.agent.DevAgentSettings;
import dev.spiffecsi.dev.agent.RegistrationEntry;
import dev.spiffecsi.dev.demo.DriverDelegate;
import dev.spiffecsi.dev.kubelet.KubeletSimulator;
import dev.spiffecsi.dev.kubelet.RetryPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A node whose driver process runs the fuse-proxy backend: the dev agent in this process serves the Workload API and
 * its Delegated Identity API (the driver runs as this process's uid, so the agent's uid-based attestation makes it
 * the authorized delegate), the driver is a real process ({@link DriverProcess}), and the kubelet simulator
 * publishes over its CSI socket.
 *
 * <p>The tier's workloads, the attacker's included, are threads of this process, in no pod's cgroup. A driver whose
 * fuse-proxy backend knows {@code require-pod-cgroup} (callers must run in the volume's pod) would refuse them all
 * before they reach anything worth attacking, so that setting is turned off here: the threat being tested is a
 * process inside the pod, which that check lets through. Other settings of the backend's section come from
 * {@code -Dhostile.fuse-proxy.settings} or the environment variable {@code HOSTILE_FUSE_PROXY_SETTINGS}: HOCON
 * {@code key = value} pairs relative to {@code spiffe-csi.backends.fuse-proxy}, separated by {@code ;}; when given,
 * they replace that default.
 */
final class FuseProxyNode implements AutoCloseable {

    static final String SOCKET_NAME = "agent.sock";
    static final String SETTINGS_PROPERTY = "hostile.fuse-proxy.settings";
    static final String SETTINGS_VARIABLE = "HOSTILE_FUSE_PROXY_SETTINGS";
    private static final String SECTION = "spiffe-csi.backends." + FuseProxyProvider.NAME + ".";
    private static final String POD_CGROUP = "require-pod-cgroup";

    private final DevAgent agent;
    private final DriverProcess driver;
    private final KubeletSimulator kubelet;

    private FuseProxyNode(DevAgent agent, DriverProcess driver, KubeletSimulator kubelet) {
        this.agent = agent;
        this.driver = driver;
        this.kubelet = kubelet;
    }

    static FuseProxyNode start(NodeTree node, List<RegistrationEntry> entries, Duration ready)
            throws IOException, InterruptedException {
        DevAgent agent = startAgent(node, entries);
        DriverProcess driver = null;
        try {
            driver = DriverProcess.start(node, FuseProxyProvider.NAME, config(node));
            driver.awaitReady(ready);
            KubeletSimulator kubelet =
                    KubeletSimulator.connect(node.csiSocket(), node.podsDir(), RetryPolicy.kubeletDefaults());
            return new FuseProxyNode(agent, driver, kubelet);
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            if (driver != null) {
                driver.close();
            }
            agent.close();
            throw e;
        }
    }

    /**
     * The dev agent on {@code node}'s agent socket, with its Delegated Identity API on the node's admin socket for
     * the driver (this uid), registering {@code entries} besides the driver's own.
     */
    static DevAgent startAgent(NodeTree node, List<RegistrationEntry> entries) throws IOException {
        return DevAgent.start(DriverDelegate.authorizeThisProcess(
                DevAgentSettings.defaults(node.agentDir().resolve(SOCKET_NAME)).withEntries(entries),
                node.adminSocket()));
    }

    /** The driver's configuration lines for the fuse-proxy backend on {@code node}. */
    static List<String> config(NodeTree node) {
        List<String> lines = new ArrayList<>(List.of(
                SECTION + "admin-socket-path = \"" + node.adminSocket() + "\"",
                SECTION + "socket-name = \"" + SOCKET_NAME + "\""));
        extraSettings().forEach(setting -> lines.add(SECTION + setting));
        return lines;
    }

    /** The settings of the backend's section the tier adds, relative to it (see the class comment). */
    static List<String> extraSettings() {
        String extra = System.getProperty(SETTINGS_PROPERTY, System.getenv(SETTINGS_VARIABLE));
        if ((extra == null || extra.isBlank())
                && ConfigFactory.defaultReference().hasPath(SECTION + POD_CGROUP)) {
            extra = POD_CGROUP + " = false";
        }
        List<String> settings = new ArrayList<>();
        if (extra != null) {
            for (String setting : extra.split(";")) {
                if (!setting.isBlank()) {
                    settings.add(setting.strip());
                }
            }
        }
        return settings;
    }

    DriverProcess driver() {
        return driver;
    }

    KubeletSimulator kubelet() {
        return kubelet;
    }

    @Override
    public void close() throws InterruptedException {
        try {
            kubelet.close();
            driver.close();
        } finally {
            agent.close();
        }
    }
}
