package dev.spiffecsi.deploy.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spiffecsi.config.DriverSettings;
import dev.spiffecsi.driver.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our image in the hardened SPIRE chart, with only {@code image} changed (README: spiffe-csi-driver.image.*): the
 * subchart's own templates (a copy, see the NOTICE beside them) render the DaemonSet shape this driver must work in
 * (no --config, read-only root, privileged with every capability dropped, no state or /tmp volume, no livenessprobe
 * sidecar), and the driver accepts its arguments and has somewhere to keep its state.
 */
class HardenedShapeTest {

    @TempDir
    Path scratch;

    static Objects hardened() {
        return Chart.template(
                Chart.HARDENED,
                List.of(
                        "--set=image.registry=ghcr.io",
                        "--set=image.repository=spiffe-csi-java/spiffe-csi-driver",
                        "--set=image.tag=0.1.0"));
    }

    static JsonNode pod() {
        return Objects.podSpec(hardened().only("DaemonSet"));
    }

    static JsonNode driver() {
        return Objects.named(pod().path("containers"), "spiffe-csi-driver");
    }

    @Test
    void theShapeOurImageRunsIn() {
        JsonNode driver = driver();
        assertEquals(
                "ghcr.io/spiffe-csi-java/spiffe-csi-driver:0.1.0",
                driver.path("image").asText());
        assertEquals(
                List.of(
                        "-workload-api-socket-dir",
                        "/spire-agent-socket",
                        "-plugin-name",
                        "csi.spiffe.io",
                        "-csi-socket-path",
                        "/spiffe-csi/csi.sock"),
                Objects.strings(driver.path("args")));
        JsonNode security = driver.path("securityContext");
        assertTrue(security.path("readOnlyRootFilesystem").asBoolean());
        assertTrue(security.path("privileged").asBoolean());
        assertEquals(
                List.of("ALL"), Objects.strings(security.path("capabilities").path("drop")));
        assertEquals(
                List.of("spire-agent-socket-dir", "spiffe-csi-socket-dir", "mountpoint-dir"),
                Objects.names(driver.path("volumeMounts")));
        assertEquals(
                "Bidirectional",
                Objects.named(driver.path("volumeMounts"), "mountpoint-dir")
                        .path("mountPropagation")
                        .asText());
        assertEquals(List.of("spiffe-csi-driver", "node-driver-registrar"), Objects.names(pod().path("containers")));
        // the liveness probe is the registrar's own health port, which never asks the driver
        JsonNode registrar = Objects.named(pod().path("containers"), "node-driver-registrar");
        assertTrue(Objects.strings(registrar.path("args")).contains("-health-port"));
        assertEquals(
                "healthz",
                registrar.path("livenessProbe").path("httpGet").path("port").asText());
        assertTrue(driver.path("livenessProbe").isMissingNode());
    }

    @Test
    void theDriverAcceptsItsArgumentsAndKeepsItsStateBesideTheCsiSocket() {
        DriverLoad load = DriverLoad.of(hardened(), hardened().only("DaemonSet"), scratch);
        DriverSettings settings = load.config().settings();
        // no --config: the defaults, bindmount, which this privileged, Bidirectional shape is right for
        assertEquals("bindmount", settings.backend());
        assertEquals("csi.spiffe.io", settings.pluginName());
        // Nothing is mounted at state-dir and the root is read-only, so the driver cannot create it and keeps its
        // records beside the CSI socket (engine Driver.usableStateDirectory; DriverStartTest): that directory must
        // be a host directory of the pod, so that the records outlive the pod.
        List<String> mounted = new ArrayList<>();
        driver().path("volumeMounts")
                .forEach(m -> mounted.add(m.path("mountPath").asText()));
        assertFalse(mounted.stream().anyMatch(m -> settings.stateDir().startsWith(m)), "state-dir is mounted");
        String socketDir = settings.csiSocketPath().getParent().toString();
        JsonNode socketMount = driver().path("volumeMounts").findParents("mountPath").stream()
                .filter(m -> m.path("mountPath").asText().equals(socketDir))
                .findFirst()
                .orElseThrow();
        assertTrue(Objects.named(pod().path("volumes"), socketMount.path("name").asText())
                .has("hostPath"));
        // and the CLI accepts the arguments as they are
        List<String> command = new ArrayList<>(List.of("check-config"));
        command.addAll(load.args());
        command.addAll(List.of("-node-id", "node-1"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(
                command,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, exit, () -> err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void ourChartGivesTheSameFlagsAndAddsOnlyWhatTheHardenedShapeLacks() {
        JsonNode ours = Objects.named(
                Objects.podSpec(Chart.render().only("DaemonSet")).path("containers"), "spiffe-csi-driver");
        List<String> expected = new ArrayList<>(Objects.strings(driver().path("args")));
        expected.addAll(List.of("--config", "/etc/spiffe-csi/driver.conf"));
        assertEquals(expected, Objects.strings(ours.path("args")));
        List<String> added = new ArrayList<>(Objects.names(ours.path("volumeMounts")));
        added.removeAll(Objects.names(driver().path("volumeMounts")));
        assertEquals(List.of("spiffe-csi-config", "spiffe-csi-state", "tmp"), added);
    }
}
