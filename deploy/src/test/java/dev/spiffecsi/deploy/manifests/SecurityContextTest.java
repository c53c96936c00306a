package dev.spiffecsi.deploy.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spiffecsi.deploy.manifests.DriverDeployment.Profile;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each driver pod has what its backend needs, and no more. */
class SecurityContextTest {

    private static final String DRIVER = DriverConfig.CONTAINER;

    static boolean privileged(JsonNode container) {
        return container.path("securityContext").path("privileged").asBoolean(false);
    }

    static Optional<String> propagation(JsonNode container, String volume) {
        return PodSpec.mount(container, volume).map(m -> m.path("mountPropagation").asText(""))
                .filter(p -> !p.isEmpty());
    }

    static boolean mountsFuse(PodSpec pod, JsonNode container) {
        return PodSpec.mounts(container).stream().anyMatch(m -> m.path("mountPath").asText().equals("/dev/fuse")
                || pod.findVolume(m.path("name").asText())
                        .map(v -> v.path("hostPath").path("path").asText().equals("/dev/fuse")).orElse(false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#all")
    void driverContainerHasWhatItsBackendNeedsAndNoMore(DriverDeployment deployment) {
        PodSpec pod = deployment.pod();
        JsonNode driver = pod.container(DRIVER);
        JsonNode security = driver.path("securityContext");
        Profile profile = deployment.profile();

        assertTrue(security.path("readOnlyRootFilesystem").asBoolean(), "read-only root file system");
        assertEquals(List.of("ALL"), PodSpec.list(security.path("capabilities").path("drop")).stream()
                .map(JsonNode::asText).toList());
        assertTrue(security.path("capabilities").path("add").isMissingNode(), "no capability added");
        assertFalse(pod.hostNetwork(), "the driver pod does not need the host network");

        boolean needsMounts = profile == Profile.BINDMOUNT || profile == Profile.FUSE_PROXY;
        assertEquals(needsMounts, privileged(driver), "privileged");
        assertEquals(needsMounts ? Optional.of("Bidirectional") : Optional.empty(),
                propagation(driver, "mountpoint-dir"), "propagation of the kubelet pods directory");
        assertEquals(profile == Profile.FUSE_PROXY, pod.hostPID(), "hostPID");
        assertEquals(profile == Profile.FUSE_PROXY, mountsFuse(pod, driver), "/dev/fuse");

        if (profile == Profile.FUSE_PROXY) {
            JsonNode fuse = pod.volume("fuse-device").path("hostPath");
            assertEquals("/dev/fuse", fuse.path("path").asText());
            assertEquals("CharDevice", fuse.path("type").asText());
            assertEquals("/dev/fuse", pod.mountPath(driver, "fuse-device"));
        }
        if (profile == Profile.SYMLINK_DEV) {
            assertFalse(security.path("allowPrivilegeEscalation").asBoolean(true), "no privilege escalation");
            assertEquals("RuntimeDefault", security.path("seccompProfile").path("type").asText());
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
                assertTrue(propagation.isEmpty() || propagation.equals("None")
                                || mayPropagate && mount.path("name").asText().equals("mountpoint-dir"),
                        () -> name + " mounts " + mount.path("mountPath").asText() + " with " + propagation);
            }
            assertTrue(name.equals(DRIVER) || !mountsFuse(pod, container), () -> name + " mounts /dev/fuse");
            if (name.equals(DRIVER)) {
                continue;
            }
            // set-context (components/selinux) relabels a host directory, as the hardened chart's does
            assertEquals(name.equals("set-context"), privileged(container), () -> name + " privileged");
            if (!name.equals("set-context")) {
                JsonNode security = container.path("securityContext");
                assertFalse(security.path("allowPrivilegeEscalation").asBoolean(true), name);
                assertTrue(security.path("readOnlyRootFilesystem").asBoolean(), name);
                assertEquals(List.of("ALL"), PodSpec.list(security.path("capabilities").path("drop")).stream()
                        .map(JsonNode::asText).toList(), name);
            }
        }
        assertFalse(pod.spec().path("automountServiceAccountToken").asBoolean(true),
                "the driver does not talk to the API server");
    }

    static Stream<String> rendersWithAgent() {
        return DriverDeployment.renders().filter(r -> r.equals("base") || r.startsWith("overlays/")
                && !r.startsWith("overlays/second-instance") || r.startsWith("compositions/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rendersWithAgent")
    void agentKeepsHostPidForWorkloadAttestation(String render) {
        PodSpec agent = Rendered.podSpec(Kustomize.render(render).one("DaemonSet", "spire-agent")).orElseThrow();
        assertTrue(agent.hostPID(), "the k8s workload attestor resolves callers' PIDs through the host's /proc");
        assertFalse(privileged(agent.container("spire-agent")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#renders")
    void onlyTheDriverAndTheAgentUseHostPaths(String render) {
        for (PodSpec pod : Kustomize.render(render).podSpecs()) {
            boolean allowed = pod.owner().startsWith("DaemonSet spire/spiffe-csi-driver")
                    || pod.owner().equals("DaemonSet spire/spire-agent");
            for (JsonNode volume : pod.volumes()) {
                assertTrue(allowed || volume.path("hostPath").isMissingNode(),
                        () -> pod.owner() + " has hostPath volume " + volume);
            }
        }
    }
}
