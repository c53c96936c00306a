package dev.spiffecsi.dev.demo;

import dev.spiffecsi.dev.agent.DevAgent;
import dev.spiffecsi.dev.agent.DevAgentSettings;
import dev.spiffecsi.dev.demo.DemoSteps.StepFailedException;
import dev.spiffecsi.dev.kubelet.KubeletSimulator;
import dev.spiffecsi.dev.kubelet.Pod;
import dev.spiffecsi.dev.kubelet.RegisteredDriver;
import dev.spiffecsi.dev.kubelet.RetryPolicy;
import dev.spiffecsi.dev.workload.ExampleWorkload;
import dev.spiffecsi.dev.workload.WorkloadEndpoint;
import dev.spiffecsi.dev.workload.X509ContextFormat;
import dev.spiffecsi.engine.backend.BackendRegistry;
import dev.spiffecsi.engine.runtime.Driver;
import io.spiffe.workloadapi.X509Context;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * One run of the demo in this process: a dev SPIFFE agent, the driver, the kubelet's part for one pod, and the
 * example workload reading its identity through the published volume. Everything it starts is pushed on the
 * {@link CleanupStack}, so that it is taken down whether the run ends, fails or is interrupted. With the fuse-proxy
 * backend the agent also serves its Delegated Identity API to the driver ({@link FuseProxyDemo}).
 */
final class DemoRun {

    private static final int STEPS = 5;
    /** A volume with the socket and the credential files, for {@code -files}. */
    static final Map<String, String> FILES_ATTRIBUTES = Map.of("csi.spiffe.io/contents", "socket,files");
    /** The java-spiffe client retries an agent it cannot reach without end; the demo gives up after this. */
    private static final Duration WORKLOAD_PATIENCE = Duration.ofSeconds(30);

    private final String backend;
    private final String version;
    private final CleanupStack cleanup;
    private final boolean files;
    private final Pod pod;
    private NodeLayout node;
    private KubeletSimulator kubelet;
    private CleanupStack.Pushed unpublish;
    private Path target;

    /** @param files whether the volume also holds the credential files (fuse-proxy only), which a step lists */
    DemoRun(String backend, boolean files, String version, CleanupStack cleanup) {
        this.backend = backend;
        this.files = files;
        this.version = version;
        this.cleanup = cleanup;
        Pod example = Pod.of("example-workload", "default", "default");
        this.pod = files ? example.withVolumeAttributes(FILES_ATTRIBUTES) : example;
    }

    /** @throws StepFailedException naming the step that failed */
    void execute(PrintStream out) throws StepFailedException {
        DemoSteps steps = new DemoSteps(out, files ? STEPS + 1 : STEPS);
        steps.run("start the dev SPIFFE agent", this::startAgent);
        steps.run("start the driver", this::startDriver);
        steps.run("publish the volume of pod " + pod.displayName(), this::publish);
        steps.run("run the example workload", this::runWorkload);
        if (files) {
            steps.run("list the credential files", this::listFiles);
        }
        steps.run("unpublish the volume and check that nothing is left", this::unpublish);
    }

    private String startAgent() throws IOException {
        node = NodeLayout.createTemporary();
        cleanup.push("delete " + node.root(), node::delete);
        DevAgentSettings settings =
                proxied() ? FuseProxyDemo.agentSettings(node, pod) : DevAgentSettings.defaults(node.agentSocket());
        DevAgent agent = DevAgent.start(settings);
        cleanup.push("stop the dev SPIFFE agent", agent::close);
        return "dev SPIFFE agent (for demos only) serving the Workload API on unix://" + agent.socket()
                + agent.adminSocket()
                        .map(admin -> " and the Delegated Identity API on unix://" + admin + " to "
                                + settings.authorizedDelegates())
                        .orElse("")
                + " for trust domain " + settings.trustDomain();
    }

    private String startDriver() throws IOException {
        ClassLoader classLoader = Thread.currentThread().getContextClassLoader();
        Map<String, String> backendSettings = proxied() ? FuseProxyDemo.DRIVER_SETTINGS : Map.of();
        Driver driver = Driver.start(
                node.driverConfig(backend, backendSettings, classLoader),
                BackendRegistry.discover(classLoader),
                version);
        cleanup.push("stop the driver", driver::close);
        kubelet = KubeletSimulator.connect(driver.socket(), node.podsDir(), RetryPolicy.kubeletDefaults());
        cleanup.push("disconnect the kubelet simulator", kubelet::close);
        RegisteredDriver registered = kubelet.register();
        return "driver " + registered.name() + " " + registered.vendorVersion() + " serving CSI on unix://"
                + driver.socket() + " for node " + registered.nodeId() + " with backend " + backend
                + (backendSettings.isEmpty() ? "" : " " + backendSettings);
    }

    /** The driver serves the Workload API itself, on the agent's behalf. */
    private boolean proxied() {
        return backend.equals(BackendChoice.FUSE_PROXY);
    }

    private String publish() throws IOException {
        // pushed first: should Ctrl-C come during the call, the volume is still taken away (an unpublish of a
        // volume that is not published succeeds)
        unpublish = cleanup.push("unpublish the volume of pod " + pod.displayName(), () -> kubelet.unpublish(pod));
        target = kubelet.publish(pod);
        return "the kubelet simulator published the volume of pod " + pod.displayName() + " at " + target
                + (pod.volumeAttributes().isEmpty() ? "" : " with volumeAttributes " + pod.volumeAttributes());
    }

    private String runWorkload() throws Exception {
        WorkloadEndpoint endpoint =
                WorkloadEndpoint.reach(target.resolve(NodeLayout.AGENT_SOCKET_NAME), node.shortLink("workload"));
        cleanup.push("remove the short link to " + target, endpoint::removeAlias);
        X509Context update;
        try (ExampleWorkload workload = ExampleWorkload.connect(endpoint.address())) {
            update = workload.firstUpdate(WORKLOAD_PATIENCE);
        } catch (TimeoutException e) {
            throw new IOException(
                    "no X.509 context arrived from " + endpoint.address() + " within " + WORKLOAD_PATIENCE.toSeconds()
                            + "s",
                    e);
        }
        String via = endpoint.alias().isEmpty()
                ? ""
                : " (a short link to the target path: Unix socket paths " + "are limited to "
                        + WorkloadEndpoint.MAX_SOCKET_PATH_BYTES + " bytes)";
        return "the example workload connected to " + endpoint.address() + via + " and received:\n"
                + X509ContextFormat.format(update).stripTrailing();
    }

    private String listFiles() throws Exception {
        return "the volume of pod " + pod.displayName() + " holds, beside the socket, the credential files served "
                + "from the driver's memory:\n" + FilesListing.of(target).stripTrailing();
    }

    private String unpublish() throws Exception {
        unpublish.runNow();
        List<String> left = Leftovers.after(target, node.root());
        if (!left.isEmpty()) {
            throw new IOException("the unpublish left something behind: " + String.join("; ", left));
        }
        return "the kubelet simulator unpublished the volume: " + target + " is gone and nothing is mounted below "
                + node.root();
    }
}
