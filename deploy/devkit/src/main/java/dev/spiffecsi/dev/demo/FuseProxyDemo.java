package dev.spiffecsi.dev.demo;

import dev.spiffecsi.dev.agent.DevAgentSettings;
import dev.spiffecsi.dev.agent.RegistrationEntry;
import dev.spiffecsi.dev.agent.WorkloadSelector;
import dev.spiffecsi.dev.kubelet.Pod;
import io.spiffe.spiffeid.SpiffeId;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the demo sets up differently for the fuse-proxy backend: the agent also serves its Delegated Identity API,
 * to the driver ({@link DriverDelegate}), and has an entry for the pod; the driver names each caller to the agent
 * by its pod ({@code identity = pod-selectors}).
 *
 * <p>Not by pid, the backend's default: the demo's workload runs in the demo's own process, which is the driver's,
 * so the agent would attest it as the driver, and it would receive the driver's identity, just as behind a relay
 * of bytes. Naming the pod shows what the proxy is for: the workload gets its own identity, not the driver's.
 */
final class FuseProxyDemo {

    /** The backend settings, keys relative to its section. */
    static final Map<String, String> DRIVER_SETTINGS = Map.of("identity", "pod-selectors");

    private FuseProxyDemo() {}

    static DevAgentSettings agentSettings(NodeLayout node, Pod pod) throws IOException {
        DevAgentSettings settings = DevAgentSettings.defaults(node.agentSocket());
        RegistrationEntry podEntry = new RegistrationEntry(
                Set.of(
                        new WorkloadSelector("k8s", "ns:" + pod.namespace()),
                        new WorkloadSelector("k8s", "sa:" + pod.serviceAccount())),
                SpiffeId.fromSegments(settings.trustDomain(), "ns", pod.namespace(), "sa", pod.serviceAccount()),
                Set.of());
        return DriverDelegate.authorizeThisProcess(settings.withEntries(List.of(podEntry)), node.adminSocket());
    }
}
