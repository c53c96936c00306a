package dev.spiffecsi.deploy.manifests;

import java.util.List;
import java.util.stream.Stream;

/**
 * One driver in one rendering: the DaemonSet whose pod runs it (spire-agent, or a DaemonSet of its own), and what
 * it must be: backend, plugin name, kubelet root and the privileges its backend needs.
 */
record DriverDeployment(
        String render, String daemonSet, String backend, String pluginName, String kubeletRoot, Profile profile) {

    static final String DEFAULT_KUBELET = "/var/lib/kubelet";
    static final String MICROK8S_KUBELET = "/var/snap/microk8s/common/var/lib/kubelet";
    static final String K0S_KUBELET = "/var/lib/k0s/kubelet";
    /** The SPIRE agent's DaemonSet, whose pod runs the driver (base and the overlays but second-instance). */
    static final String AGENT = "spire-agent";
    /** A driver in a DaemonSet of its own (base/driver-daemonset). */
    static final String DRIVER = "spiffe-csi-driver";

    static final String PLUGIN = "csi.spiffe.io";

    /** The privileges of the driver container, per backend (pod-wide settings are the agent's, if it shares it). */
    enum Profile {
        /** base: the least any backend needs; valid for none alone. */
        LEAST,
        /** bindmount: privileged and Bidirectional propagation; no /dev/fuse. */
        BINDMOUNT,
        /** symlink-dev: not privileged, no propagation, no capabilities, no privilege escalation, no /dev/fuse. */
        SYMLINK_DEV,
        /** fuse-proxy: privileged, Bidirectional, /dev/fuse, hostPID. */
        FUSE_PROXY
    }

    static final List<DriverDeployment> ALL = List.of(
            new DriverDeployment("base", AGENT, "bindmount", PLUGIN, DEFAULT_KUBELET, Profile.LEAST),
            new DriverDeployment("overlays/production", AGENT, "bindmount", PLUGIN, DEFAULT_KUBELET, Profile.BINDMOUNT),
            new DriverDeployment("overlays/dev", AGENT, "symlink-dev", PLUGIN, DEFAULT_KUBELET, Profile.SYMLINK_DEV),
            new DriverDeployment(
                    "overlays/fuse-proxy", AGENT, "fuse-proxy", PLUGIN, DEFAULT_KUBELET, Profile.FUSE_PROXY),
            new DriverDeployment(
                    "overlays/second-instance",
                    DRIVER + "-upstream",
                    "bindmount",
                    "upstream.csi.spiffe.io",
                    DEFAULT_KUBELET,
                    Profile.BINDMOUNT),
            new DriverDeployment(
                    "compositions/production-microk8s",
                    AGENT,
                    "bindmount",
                    PLUGIN,
                    MICROK8S_KUBELET,
                    Profile.BINDMOUNT),
            new DriverDeployment(
                    "compositions/dev-all-components", AGENT, "symlink-dev", PLUGIN, K0S_KUBELET, Profile.SYMLINK_DEV),
            new DriverDeployment(
                    "compositions/fuse-proxy-microk8s",
                    AGENT,
                    "fuse-proxy",
                    PLUGIN,
                    MICROK8S_KUBELET,
                    Profile.FUSE_PROXY),
            new DriverDeployment(
                    "compositions/production-and-second-instance",
                    AGENT,
                    "bindmount",
                    PLUGIN,
                    DEFAULT_KUBELET,
                    Profile.BINDMOUNT),
            new DriverDeployment(
                    "compositions/production-and-second-instance",
                    DRIVER + "-upstream",
                    "bindmount",
                    "upstream.csi.spiffe.io",
                    DEFAULT_KUBELET,
                    Profile.BINDMOUNT),
            new DriverDeployment(
                    "compositions/production-separate-driver",
                    DRIVER,
                    "bindmount",
                    PLUGIN,
                    DEFAULT_KUBELET,
                    Profile.BINDMOUNT));

    static Stream<DriverDeployment> all() {
        return ALL.stream();
    }

    /** Every kustomization the tests render: base and its parts, the overlays, the test compositions. */
    static final List<String> RENDERS = List.of(
            "base",
            "base/spire",
            "base/driver",
            "base/driver-daemonset",
            "base/example-workload",
            "overlays/production",
            "overlays/dev",
            "overlays/fuse-proxy",
            "overlays/second-instance",
            "overlays/second-instance/instance",
            "compositions/production-microk8s",
            "compositions/dev-all-components",
            "compositions/fuse-proxy-microk8s",
            "compositions/production-and-second-instance",
            "compositions/production-separate-driver");

    static Stream<String> renders() {
        return RENDERS.stream();
    }

    /** Whether the driver runs in the SPIRE agent's pod (and so has the agent's pod-wide settings). */
    boolean inAgentPod() {
        return daemonSet.equals(AGENT);
    }

    Rendered rendered() {
        return Kustomize.render(render);
    }

    PodSpec pod() {
        return Rendered.podSpec(rendered().one("DaemonSet", daemonSet)).orElseThrow();
    }

    @Override
    public String toString() {
        return render + (inAgentPod() ? "" : " (" + daemonSet + ")");
    }
}
