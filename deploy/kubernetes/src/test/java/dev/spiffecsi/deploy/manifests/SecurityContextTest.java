package dev.spiffecsi.deploy.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spiffecsi.deploy.manifests.DriverDeployment.Profile;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each driver container has what its backend needs, and no more; pod-wide settings (hostPID, host network) are
 * the SPIRE agent's where the driver shares its pod, and the agent container keeps exactly what SPIRE's own
 * manifests give it.
 */
class SecurityContextTest {

    private static final String DRIVER = DriverConfig.CONTAINER;
    private static final String AGENT = DriverDeployment.AGENT;

    static boolean privileged(JsonNode container) {
        return container.path("securityContext").path("privileged").asBoolean(false);
    }

    static Optional<String> propagation(JsonNode container, String volume) {
        return PodSpec.mount(container, volume)
                .map(m -> m.path("mountPropagation").asText(""))
                .filter(p -> !p.isEmpty());
    }

    static boolean mountsFuse(PodSpec pod, JsonNode container) {
        return PodSpec.mounts(container).stream()
                .anyMatch(m -> m.path("mountPath").asText().equals("/dev/fuse")
                        || pod.findVolume(m.path("name").asText())
                                .map(v ->
                                        v.path("hostPath").path("path").asText().equals("/dev/fuse"))
                                .orElse(false));
    }

    /** Volumes holding a service account token (a projected serviceAccountToken source). */
    static boolean holdsServiceAccountToken(JsonNode volume) {
        return PodSpec.list(volume.path("projected").path("sources")).stream()
                .anyMatch(source -> source.has("serviceAccountToken"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#all")
    void driverContainerHasWhatItsBackendNeedsAndNoMore(DriverDeployment deployment) {
        PodSpec pod = deployment.pod();
        JsonNode driver = pod.container(DRIVER);
        JsonNode security = driver.path("securityContext");
        Profile profile = deployment.profile();

        assertTrue(security.path("readOnlyRootFilesystem").asBoolean(), "read-only root file system");
        assertEquals(
                List.of("ALL"),
                PodSpec.list(security.path("capabilities").path("drop")).stream()
                        .map(JsonNode::asText)
                        .toList());
        assertTrue(security.path("capabilities").path("add").isMissingNode(), "no capability added");

        boolean needsMounts = profile == Profile.BINDMOUNT || profile == Profile.FUSE_PROXY;
        assertEquals(needsMounts, privileged(driver), "privileged");
        assertEquals(
                needsMounts ? Optional.of("Bidirectional") : Optional.empty(),
                propagation(driver, "mountpoint-dir"),
                "propagation of the kubelet pods directory");
        assertEquals(profile == Profile.FUSE_PROXY, mountsFuse(pod, driver), "/dev/fuse");
        // pod-wide: in the agent's pod, the agent's hostPID and host network (SPIRE's manifests); in a pod of its
        // own, the driver has hostPID only if its backend needs it, and never the host network
        assertEquals(deployment.inAgentPod() || profile == Profile.FUSE_PROXY, pod.hostPID(), "hostPID");
        assertEquals(deployment.inAgentPod(), pod.hostNetwork(), "host network");

        if (profile == Profile.FUSE_PROXY) {
            JsonNode fuse = pod.volume("fuse-device").path("hostPath");
            assertEquals("/dev/fuse", fuse.path("path").asText());
            assertEquals("CharDevice", fuse.path("type").asText());
            assertEquals("/dev/fuse", pod.mountPath(driver, "fuse-device"));
        }
        if (profile == Profile.SYMLINK_DEV) {
            assertFalse(security.path("allowPrivilegeEscalation").asBoolean(true), "no privilege escalation");
            assertEquals(
                    "RuntimeDefault",
                    security.path("seccompProfile").path("type").asText());
        }
        // every backend writes in the kubelet's root-owned directories: uid 0, stated rather than inherited
        assertEquals(0, security.path("runAsUser").asInt(-1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#all")
    void noOtherContainerOfTheDriverPodIsPrivilegedOrPropagatesMounts(DriverDeployment deployment) {
        PodSpec pod = deployment.pod();
        for (JsonNode container : pod.allContainers()) {
            String name = container.path("name").asText();
            boolean mayPropagate = name.equals(DRIVER);
            for (JsonNode mount : PodSpec.mounts(container)) {
                String propagation = mount.path("mountPropagation").asText("");
                assertTrue(
                        propagation.isEmpty()
                                || propagation.equals("None")
                                || (mayPropagate && mount.path("name").asText().equals("mountpoint-dir")),
                        () -> name + " mounts " + mount.path("mountPath").asText() + " with " + propagation);
            }
            assertTrue(name.equals(DRIVER) || !mountsFuse(pod, container), () -> name + " mounts /dev/fuse");
            if (name.equals(DRIVER)) {
                continue;
            }
            // set-context (components/selinux) relabels a host directory, as the hardened chart's does
            assertEquals(name.equals("set-context"), privileged(container), () -> name + " privileged");
            if (name.equals(AGENT)) {
                continue; // as SPIRE's manifests give it: agentContainerHasOnlyWhatSpiresManifestsGiveIt
            }
            if (!name.equals("set-context")) {
                JsonNode security = container.path("securityContext");
                assertFalse(security.path("allowPrivilegeEscalation").asBoolean(true), name);
                assertTrue(security.path("readOnlyRootFilesystem").asBoolean(), name);
                assertEquals(
                        List.of("ALL"),
                        PodSpec.list(security.path("capabilities").path("drop")).stream()
                                .map(JsonNode::asText)
                                .toList(),
                        name);
            }
        }
        // no token is automounted: the driver and its sidecars do not talk to the API server, and in the agent's
        // pod only the agent container mounts the agent's service account token
        assertFalse(
                pod.spec().path("automountServiceAccountToken").asBoolean(true),
                "the driver does not talk to the API server");
        for (JsonNode container : pod.allContainers()) {
            String name = container.path("name").asText();
            for (JsonNode mount : PodSpec.mounts(container)) {
                boolean token = pod.findVolume(mount.path("name").asText())
                        .map(SecurityContextTest::holdsServiceAccountToken)
                        .orElse(false);
                assertTrue(!token || name.equals(AGENT), () -> name + " mounts a service account token: " + mount);
            }
        }
    }

    static Stream<String> rendersWithAgent() {
        return DriverDeployment.renders()
                .filter(r -> r.equals("base")
                        || (r.startsWith("overlays/") && !r.startsWith("overlays/second-instance"))
                        || r.startsWith("compositions/"));
    }

    static PodSpec agentPod(String render) {
        return Rendered.podSpec(Kustomize.render(render).one("DaemonSet", AGENT))
                .orElseThrow();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendersWithAgent")
    void agentKeepsHostPidForWorkloadAttestation(String render) {
        PodSpec agent = agentPod(render);
        assertTrue(agent.hostPID(), "the k8s workload attestor resolves callers' PIDs through the host's /proc");
        // the rest of SPIRE's pod settings
        assertTrue(agent.hostNetwork(), "host network");
        assertEquals("ClusterFirstWithHostNet", agent.spec().path("dnsPolicy").asText());
        assertEquals(AGENT, agent.spec().path("serviceAccountName").asText());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendersWithAgent")
    void agentContainerHasOnlyWhatSpiresManifestsGiveIt(String render) {
        PodSpec pod = agentPod(render);
        JsonNode agent = pod.container(AGENT);
        // no securityContext at all, as in spiffe/spiffe-csi's example/config/spire-agent.yaml
        assertTrue(agent.path("securityContext").isMissingNode(), () -> "securityContext " + agent);
        assertEquals(List.of("-config", "/run/spire/config/agent.conf"), PodSpec.args(agent));
        // its own volumes, and no driver's: the agent socket directory (the one it shares), configuration,
        // bundle, the k8s_psat token, its API token (what automounting would give it), and the admin socket
        // directory where agent.conf sets admin_socket_path (fuse-proxy)
        Set<String> expected = new TreeSet<>(Set.of(
                "spire-config", "spire-bundle", "spire-agent-socket-dir", "spire-token", "spire-agent-api-access"));
        if (DriverConfig.hclString(DriverConfig.agentConf(Kustomize.render(render)), "admin_socket_path")
                .isPresent()) {
            expected.add("spire-agent-admin-socket-dir");
        }
        assertEquals(
                expected,
                PodSpec.mounts(agent).stream()
                        .map(m -> m.path("name").asText())
                        .collect(Collectors.toCollection(TreeSet::new)));
        assertEquals(
                "/var/run/secrets/kubernetes.io/serviceaccount",
                pod.mountPath(agent, "spire-agent-api-access"),
                "where the k8s workload attestor looks");
        assertTrue(holdsServiceAccountToken(pod.volume("spire-agent-api-access")));
        assertTrue(holdsServiceAccountToken(pod.volume("spire-token")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendersWithAgent")
    void driverRunsInTheAgentsPodUnlessMovedOut(String render) {
        Rendered rendered = Kustomize.render(render);
        // (in any order: patches put the containers they touch first)
        Set<String> containers = agentPod(render).containers().stream()
                .map(c -> c.path("name").asText())
                .collect(Collectors.toCollection(TreeSet::new));
        boolean separate = rendered.find("DaemonSet", DriverDeployment.DRIVER).isPresent();
        // the separate layout (compositions/production-separate-driver, as the README gives it) moves all three
        assertEquals(
                separate ? Set.of(AGENT) : Set.of(AGENT, DRIVER, "node-driver-registrar", "liveness-probe"),
                containers);
        assertEquals(render.equals("compositions/production-separate-driver"), separate);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#renders")
    void onlyTheDriverAndTheAgentUseHostPaths(String render) {
        for (PodSpec pod : Kustomize.render(render).podSpecs()) {
            boolean allowed = pod.owner().startsWith("DaemonSet spire/spiffe-csi-driver")
                    || pod.owner().equals("DaemonSet spire/spire-agent");
            for (JsonNode volume : pod.volumes()) {
                assertTrue(
                        allowed || volume.path("hostPath").isMissingNode(),
                        () -> pod.owner() + " has hostPath volume " + volume);
            }
        }
    }
}
