package dev.spiffecsi.deploy.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spiffecsi.driver.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * spiffe/spiffe-csi's own manifests work with this driver unchanged: its DaemonSet's arguments pass our CLI, and
 * the driver containers of our agent pod keep its volumes, mounts and registrar arguments, so an image swap in
 * the Go driver's DaemonSet is all a migration takes.
 */
class SeedManifestTest {

    static final Rendered SEED = Rendered.read(Kustomize.SEED.resolve("spiffe-csi-driver.yaml"));

    static PodSpec seedPod() {
        return Rendered.podSpec(SEED.one("DaemonSet", "spiffe-csi-driver")).orElseThrow();
    }

    static List<String> seedArgs() {
        return PodSpec.args(seedPod().container("spiffe-csi-driver"));
    }

    record Run(int exit, String out, String err) {}

    static Run run(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void seedArgumentsAreTheGoExamples() {
        assertEquals(
                List.of("-workload-api-socket-dir", "/spire-agent-socket", "-csi-socket-path", "/spiffe-csi/csi.sock"),
                seedArgs());
    }

    @Test
    void seedArgumentsPassCheckConfigUnchanged() {
        // MY_NODE_NAME comes from spec.nodeName in the DaemonSet; Main reads the real environment, so the node id
        // is given explicitly here
        List<String> args = new ArrayList<>(List.of("check-config"));
        args.addAll(seedArgs());
        args.addAll(List.of("-node-id", "node-1"));
        Run run = run(args);
        assertEquals(0, run.exit(), run::err);
        assertTrue(run.out().contains("workload-api-socket-dir=\"/spire-agent-socket\""), run::out);
        assertTrue(run.out().contains("csi-socket-path=\"/spiffe-csi/csi.sock\""), run::out);
        assertTrue(run.out().contains("# backend: bindmount "), run::out);
    }

    @Test
    void helmChartArgumentsPassCheckConfig() {
        // helm-charts-hardened's spiffe-csi-driver DaemonSet adds -plugin-name
        Run run = run(List.of(
                "check-config",
                "-workload-api-socket-dir",
                "/spire-agent-socket",
                "-plugin-name",
                "csi.spiffe.io",
                "-csi-socket-path",
                "/spiffe-csi/csi.sock",
                "-node-id",
                "node-1"));
        assertEquals(0, run.exit(), run::err);
        assertTrue(run.out().contains("plugin-name=\"csi.spiffe.io\""), run::out);
    }

    @Test
    void ourArgumentsAreTheSeedsPlusTheConfigFile() {
        List<String> ours = PodSpec.args(
                Rendered.podSpec(Kustomize.render("overlays/production").one("DaemonSet", DriverDeployment.AGENT))
                        .orElseThrow()
                        .container("spiffe-csi-driver"));
        List<String> expected = new ArrayList<>(seedArgs());
        expected.addAll(List.of("--config", "/etc/spiffe-csi/driver.conf"));
        assertEquals(expected, ours);
    }

    @Test
    void productionKeepsTheSeedsVolumesMountsAndRegistrar() {
        PodSpec seed = seedPod();
        // the driver's containers are in the agent's pod, with the seed's volumes, mounts and registrar
        PodSpec ours = Rendered.podSpec(
                        Kustomize.render("overlays/production").one("DaemonSet", DriverDeployment.AGENT))
                .orElseThrow();
        for (JsonNode volume : seed.volumes()) {
            assertEquals(volume, ours.volume(volume.path("name").asText()));
        }
        for (String container : List.of("spiffe-csi-driver", "node-driver-registrar")) {
            for (JsonNode mount : PodSpec.mounts(seed.container(container))) {
                assertEquals(
                        mount,
                        PodSpec.mount(
                                        ours.container(container),
                                        mount.path("name").asText())
                                .orElseThrow(),
                        container + " mount " + mount);
            }
        }
        assertEquals(
                PodSpec.args(seed.container("node-driver-registrar")),
                PodSpec.args(ours.container("node-driver-registrar")));
        JsonNode seedSecurity = seed.container("spiffe-csi-driver").path("securityContext");
        JsonNode ourSecurity = ours.container("spiffe-csi-driver").path("securityContext");
        assertEquals(seedSecurity.path("privileged"), ourSecurity.path("privileged"));
        assertEquals(seedSecurity.path("readOnlyRootFilesystem"), ourSecurity.path("readOnlyRootFilesystem"));
        assertEquals(
                seedSecurity.path("capabilities").path("drop").get(0).asText().toUpperCase(Locale.ROOT),
                ourSecurity.path("capabilities").path("drop").get(0).asText());
        assertEquals(
                PodSpec.env(seed.container("spiffe-csi-driver"), "MY_NODE_NAME"),
                PodSpec.env(ours.container("spiffe-csi-driver"), "MY_NODE_NAME"));
    }
}
