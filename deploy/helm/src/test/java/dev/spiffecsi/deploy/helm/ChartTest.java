package dev.spiffecsi.deploy.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The chart lints, renders for each backend, OpenShift and SELinux, and refuses values it does not know. */
class ChartTest {

    @TempDir
    Path scratch;

    @Test
    void lintsCleanForEveryBackend() {
        for (String backend : List.of("bindmount", "symlink-dev", "fuse-proxy")) {
            Tool.Result lint =
                    Tool.HELM.run(List.of("lint", "--strict", Chart.CHART.toString(), "--set", "backend=" + backend));
            assertEquals(0, lint.exit(), () -> backend + ": " + lint.out() + lint.err());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bindmount", "symlink-dev", "fuse-proxy"})
    void eachBackendRendersADriverTheDriverAccepts(String backend) {
        Objects rendered = Chart.render("backend=" + backend);
        assertEquals(
                List.of("CSIDriver", "ConfigMap", "DaemonSet", "Pod", "ServiceAccount"),
                rendered.all().stream()
                        .map(o -> o.path("kind").asText())
                        .sorted()
                        .toList());
        DriverLoad load = DriverLoad.of(rendered, rendered.only("DaemonSet"), scratch);
        assertEquals(backend, load.config().settings().backend());
        assertEquals("csi.spiffe.io", load.config().settings().pluginName());
        JsonNode pod = Objects.podSpec(rendered.only("DaemonSet"));
        assertEquals(backend.equals("fuse-proxy"), pod.path("hostPID").asBoolean(false), "hostPID");
        JsonNode driver = Objects.named(pod.path("containers"), "spiffe-csi-driver");
        assertEquals(
                !backend.equals("symlink-dev"),
                driver.path("securityContext").path("privileged").asBoolean());
    }

    @Test
    void openShiftAddsTheSccTheCsiDriverLabelAndSetContext() {
        Objects rendered = Chart.render("global.openshift=true", "restrictedScc.enabled=true");
        assertEquals(2, rendered.ofKind("SecurityContextConstraints").size());
        rendered.one("SecurityContextConstraints", "restricted-v2-csi");
        JsonNode driverScc = rendered.one("SecurityContextConstraints", "spiffe-csi-driver");
        assertEquals(
                List.of("system:serviceaccount:spire:spiffe-csi-driver"), Objects.strings(driverScc.path("users")));
        assertTrue(driverScc.path("allowPrivilegedContainer").asBoolean());
        assertFalse(driverScc.path("allowHostPID").asBoolean());
        // every volume type the pod uses is allowed
        List<String> allowed = Objects.strings(driverScc.path("volumes"));
        for (JsonNode volume : Objects.podSpec(rendered.only("DaemonSet")).path("volumes")) {
            String type = volume.has("hostPath") ? "hostPath" : volume.has("configMap") ? "configMap" : "emptyDir";
            assertTrue(allowed.contains(type), type + " not in " + allowed);
        }
        assertEquals(
                "restricted",
                rendered.only("CSIDriver")
                        .path("metadata")
                        .path("labels")
                        .path("security.openshift.io/csi-ephemeral-volume-profile")
                        .asText());
        assertEquals(
                "set-context",
                Objects.podSpec(rendered.only("DaemonSet"))
                        .path("initContainers")
                        .get(0)
                        .path("name")
                        .asText());
        // fuse-proxy's SCC lets its pod have hostPID
        assertTrue(Chart.render("global.openshift=true", "backend=fuse-proxy")
                .only("SecurityContextConstraints")
                .path("allowHostPID")
                .asBoolean());
    }

    @Test
    void selinuxRelabelsTheAgentSocketDirectoryFirst() {
        JsonNode pod = Objects.podSpec(Chart.render("selinux.enabled=true").only("DaemonSet"));
        JsonNode setContext = Objects.named(pod.path("initContainers"), "set-context");
        assertEquals(
                List.of("chcon", "-Rvt", "container_file_t", "spire-agent-socket/"),
                Objects.strings(setContext.path("command")));
        assertEquals(
                "ghcr.io/spiffe-csi-java/spiffe-csi-driver:0.1.0",
                setContext.path("image").asText());
        assertEquals(
                "/spire-agent-socket",
                Objects.named(setContext.path("volumeMounts"), "spire-agent-socket-dir")
                        .path("mountPath")
                        .asText());
        assertTrue(setContext.path("securityContext").path("privileged").asBoolean());
        JsonNode ubi = Objects.named(
                Objects.podSpec(Chart.render(
                                        "selinux.enabled=true",
                                        "selinux.image.registry=registry.access.redhat.com",
                                        "selinux.image.repository=ubi9",
                                        "selinux.image.tag=9")
                                .only("DaemonSet"))
                        .path("initContainers"),
                "set-context");
        assertEquals("registry.access.redhat.com/ubi9:9", ubi.path("image").asText());
        assertTrue(Objects.podSpec(Chart.render().only("DaemonSet"))
                .path("initContainers")
                .isMissingNode());
    }

    @ParameterizedTest
    @CsvSource(
            quoteCharacter = '"',
            value = {
                "imagee.tag=x,'imagee'",
                "image.tagg=x,'tagg'",
                "livenessProbe.periodSecond=3,'periodSecond'",
                "backend=bind-mount,/backend",
                "nodeDriverRegistrar.imag.tag=x,'imag'",
                "selinux.enable=true,'enable'",
                "metrics.enable=true,'enable'"
            })
    void aTypoFailsNamingTheKey(String setting, String named) {
        Tool.Result result = Chart.templateResult("--set", setting);
        assertNotEquals(0, result.exit(), setting + " was accepted");
        assertTrue(result.err().contains("values don't meet the specifications of the schema"), result.err());
        assertTrue(result.err().contains(named), () -> "the error does not name " + named + ": " + result.err());
    }

    @Test
    void globalStaysOpenForAParentChart() {
        Objects rendered =
                Chart.render("global.anything.a-parent-sets=1", "global.spire.image.registry=mirror.example");
        JsonNode pod = Objects.podSpec(rendered.only("DaemonSet"));
        assertEquals(
                "mirror.example/spiffe-csi-java/spiffe-csi-driver:0.1.0",
                Objects.named(pod.path("containers"), "spiffe-csi-driver")
                        .path("image")
                        .asText());
    }

    @Test
    void configIsAppendedAndWins() {
        Objects rendered = Chart.render("--set-string=config=spiffe-csi.log.level = debug");
        DriverLoad load = DriverLoad.of(rendered, rendered.only("DaemonSet"), scratch);
        assertEquals("debug", load.config().settings().log().level());
    }

    @Test
    void helmTestPodMountsAVolumeOfTheDriverAndWaitsForTheSocket() {
        JsonNode pod = Chart.render("pluginName=upstream.csi.spiffe.io").only("Pod");
        assertEquals(
                "test",
                pod.path("metadata").path("annotations").path("helm.sh/hook").asText());
        JsonNode volume = pod.path("spec").path("volumes").get(0);
        assertEquals("upstream.csi.spiffe.io", volume.path("csi").path("driver").asText());
        assertTrue(volume.path("csi").path("readOnly").asBoolean());
        String script = Objects.strings(
                        pod.path("spec").path("containers").get(0).path("command"))
                .get(2);
        assertTrue(script.contains("[ -S /spiffe-workload-api/spire-agent.sock ]"), script);
        assertEquals(
                "docker.io/local/busybox:1",
                Chart.render("test.image.repository=local/busybox", "test.image.tag=1")
                        .only("Pod")
                        .path("spec")
                        .path("containers")
                        .get(0)
                        .path("image")
                        .asText());
        assertTrue(Chart.render("test.enabled=false").ofKind("Pod").isEmpty());
    }
}
