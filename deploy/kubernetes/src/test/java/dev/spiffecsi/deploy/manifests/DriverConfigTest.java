package dev.spiffecsi.deploy.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spiffecsi.config.DriverSettings;
import dev.spiffecsi.driver.Main;
import dev.spiffecsi.engine.backend.BackendRegistry;
import dev.spiffecsi.spi.BackendProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each driver container's arguments and HOCON file, loaded with the project's own flag parser and config loader:
 * the backend exists, and every path the driver is told agrees with what the pod mounts where.
 */
class DriverConfigTest {

    static Set<String> discoverableBackends() {
        return BackendRegistry.discover(Thread.currentThread().getContextClassLoader()).providers().stream()
                .map(BackendProvider::name)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static Stream<DriverDeployment> symlinkDev() {
        return DriverDeployment.all().filter(d -> d.backend().equals("symlink-dev"));
    }

    static Stream<DriverDeployment> fuseProxy() {
        return DriverDeployment.all().filter(d -> d.backend().equals("fuse-proxy"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#all")
    void argumentsAreAcceptedByTheCliFlagParser(DriverDeployment deployment) {
        List<String> args = PodSpec.args(deployment.pod().container(DriverConfig.CONTAINER));
        var parsed = DriverConfig.CLI_FLAGS.parse(args);
        assertTrue(parsed.positional().isEmpty(), () -> "positional arguments: " + parsed.positional());
        // the Go driver's two flags, in its single-dash style, then our --config
        assertEquals(List.of("-workload-api-socket-dir", "/spire-agent-socket"), args.subList(0, 2));
        assertTrue(args.containsAll(List.of("-csi-socket-path", "/spiffe-csi/csi.sock")), args::toString);
        assertEquals("/etc/spiffe-csi/driver.conf", parsed.values().get("config"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#all")
    void configurationLoadsWithTheProjectsConfigLoader(DriverDeployment deployment, @TempDir Path scratch) {
        DriverConfig loaded = DriverConfig.load(deployment, scratch);
        DriverSettings settings = loaded.config().settings();
        assertEquals(deployment.backend(), settings.backend());
        assertEquals(deployment.pluginName(), settings.pluginName());
        assertEquals(DriverConfig.NODE, settings.nodeId());
        if (discoverableBackends().contains(deployment.backend())) {
            assertEquals(List.of(), loaded.config().warnings(), "no warning at startup");
        } else {
            assertEquals(
                    List.of("spiffe-csi.backends." + deployment.backend()
                            + " configures a backend that is not installed; the section is ignored"),
                    loaded.config().warnings());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#all")
    void backendIsOneTheDistributionContains(DriverDeployment deployment) {
        assertTrue(
                discoverableBackends().contains(deployment.backend()),
                () -> deployment.backend() + " is not among " + discoverableBackends());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#all")
    void checkConfigCommandAcceptsTheContainer(DriverDeployment deployment, @TempDir Path scratch) {
        DriverConfig loaded = DriverConfig.load(deployment, scratch);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(
                loaded.checkConfigCommand(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(
                0,
                exit,
                () -> "check-config " + loaded.checkConfigCommand() + ":\n" + err.toString(StandardCharsets.UTF_8));
        assertTrue(
                out.toString(StandardCharsets.UTF_8).contains("# backend: " + deployment.backend() + " "),
                () -> out.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#all")
    void pathsAgreeWithWhatThePodMounts(DriverDeployment deployment, @TempDir Path scratch) {
        DriverConfig loaded = DriverConfig.load(deployment, scratch);
        DriverSettings settings = loaded.config().settings();
        PodSpec pod = loaded.pod();
        JsonNode driver = loaded.container();
        String root = deployment.kubeletRoot();

        // CSI socket: in the socket directory volume, which is <kubelet root>/plugins/<plugin name> on the host
        assertEquals(
                Path.of(pod.mountPath(driver, "spiffe-csi-socket-dir")),
                settings.csiSocketPath().getParent());
        String socketDir = pod.hostPath("spiffe-csi-socket-dir");
        assertEquals(root + "/plugins/" + deployment.pluginName(), socketDir);

        // node-driver-registrar: the same socket, and the kubelet's host path of it
        JsonNode registrar = pod.container("node-driver-registrar");
        List<String> registrarArgs = PodSpec.args(registrar);
        String socketName = settings.csiSocketPath().getFileName().toString();
        assertEquals(
                pod.mountPath(registrar, "spiffe-csi-socket-dir") + "/" + socketName,
                PodSpec.flag(registrarArgs, "csi-address").orElseThrow());
        assertEquals(
                socketDir + "/" + socketName,
                PodSpec.flag(registrarArgs, "kubelet-registration-path").orElseThrow());
        assertEquals("/registration", pod.mountPath(registrar, "kubelet-plugin-registration-dir"));
        assertEquals(root + "/plugins_registry", pod.hostPath("kubelet-plugin-registration-dir"));

        // kubelet pods directory: same path on the host, in the container and in the configuration
        assertEquals(root + "/pods", pod.hostPath("mountpoint-dir"));
        assertEquals(root + "/pods", pod.mountPath(driver, "mountpoint-dir"));
        assertEquals(Path.of(root + "/pods"), settings.kubeletPodsDir());

        // agent socket directory, read-only; state directory, a hostPath that survives the pod
        assertEquals(Path.of(pod.mountPath(driver, "spire-agent-socket-dir")), settings.workloadApiSocketDir());
        assertTrue(PodSpec.mount(driver, "spire-agent-socket-dir")
                .orElseThrow()
                .path("readOnly")
                .asBoolean());
        assertEquals(Path.of(pod.mountPath(driver, "spiffe-csi-state")), settings.stateDir());
        assertTrue(pod.hostPath("spiffe-csi-state").startsWith("/var/run/spiffe-csi/state"));
        assertEquals("/tmp", pod.mountPath(driver, "tmp"), "java.io.tmpdir for the native libraries");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#all")
    void pluginNameIsTheCsiDriverObjectsName(DriverDeployment deployment, @TempDir Path scratch) {
        DriverConfig loaded = DriverConfig.load(deployment, scratch);
        List<String> names = deployment.rendered().ofKind("CSIDriver").stream()
                .map(Rendered::name)
                .toList();
        assertTrue(
                names.contains(loaded.config().settings().pluginName()),
                () -> "plugin name " + loaded.config().settings().pluginName() + ", CSIDriver objects " + names);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#all")
    void nodeIdComesFromTheNodeName(DriverDeployment deployment, @TempDir Path scratch) {
        DriverConfig loaded = DriverConfig.load(deployment, scratch);
        assertEquals("MY_NODE_NAME", loaded.config().settings().nodeIdEnv());
        JsonNode variable = PodSpec.env(loaded.container(), "MY_NODE_NAME").orElseThrow();
        assertEquals(
                "spec.nodeName",
                variable.path("valueFrom").path("fieldRef").path("fieldPath").asText());
        assertFalse(loaded.flags().has("node-id"), "the node id must not be fixed in a DaemonSet");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#all")
    void livenessProbeCallsTheDriversProbeThroughTheSidecar(DriverDeployment deployment, @TempDir Path scratch) {
        DriverConfig loaded = DriverConfig.load(deployment, scratch);
        PodSpec pod = loaded.pod();
        JsonNode probe = loaded.container().path("livenessProbe").path("httpGet");
        assertEquals("/healthz", probe.path("path").asText());
        String port = probe.path("port").asText();
        int containerPort = PodSpec.list(loaded.container().path("ports")).stream()
                .filter(p -> port.equals(p.path("name").asText())
                        || port.equals(p.path("containerPort").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no port " + port))
                .path("containerPort")
                .asInt();

        JsonNode sidecar = pod.container("liveness-probe");
        assertTrue(sidecar.path("image").asText().startsWith("registry.k8s.io/sig-storage/livenessprobe:"));
        List<String> sidecarArgs = PodSpec.args(sidecar);
        assertEquals(
                String.valueOf(containerPort),
                PodSpec.flag(sidecarArgs, "health-port").orElseThrow());
        assertEquals(
                pod.mountPath(sidecar, "spiffe-csi-socket-dir") + "/"
                        + loaded.config().settings().csiSocketPath().getFileName(),
                PodSpec.flag(sidecarArgs, "csi-address").orElseThrow());
        if (pod.hostNetwork()) {
            // the agent's pod is on the host network: the health port is a port of the node, next to the agent's
            String agentHealthPort = DriverConfig.hclString(DriverConfig.agentConf(deployment.rendered()), "bind_port")
                    .orElseThrow();
            assertFalse(
                    agentHealthPort.equals(String.valueOf(containerPort)),
                    () -> "the driver's health port " + containerPort + " is the agent's");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.spiffecsi.deploy.manifests.DriverDeployment#all")
    void agentServesTheSocketDirectoryTheDriverMounts(DriverDeployment deployment) {
        Rendered rendered = deployment.rendered();
        // the second instance brings no agent: it shares base's
        Rendered withAgent =
                rendered.find("DaemonSet", "spire-agent").isPresent() ? rendered : Kustomize.render("base");
        PodSpec agent =
                Rendered.podSpec(withAgent.one("DaemonSet", "spire-agent")).orElseThrow();
        assertEquals(agent.hostPath("spire-agent-socket-dir"), deployment.pod().hostPath("spire-agent-socket-dir"));
        String socketPath = DriverConfig.hclString(DriverConfig.agentConf(withAgent), "socket_path")
                .orElseThrow();
        assertEquals(
                agent.mountPath(agent.container("spire-agent"), "spire-agent-socket-dir"),
                Path.of(socketPath).getParent().toString());
        // the file name the workloads use: unix:///spiffe-workload-api/spire-agent.sock
        assertEquals("spire-agent.sock", Path.of(socketPath).getFileName().toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("symlinkDev")
    void symlinkDevLinksToTheAgentSocketDirectoryAsTheHostSeesIt(DriverDeployment deployment, @TempDir Path scratch) {
        DriverConfig loaded = DriverConfig.load(deployment, scratch);
        String hostSocketDir = loaded.config().backendConfig("symlink-dev").getString("host-socket-dir");
        assertEquals(loaded.pod().hostPath("spire-agent-socket-dir"), hostSocketDir);
        assertTrue(
                loaded.config().settings().requireReadonlyVolume(),
                "with links, the pod's readOnly is the only protection: the driver must insist on it");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fuseProxy")
    void fuseProxyConfiguresItsIdentityModeAndSocket(DriverDeployment deployment, @TempDir Path scratch) {
        DriverConfig loaded = DriverConfig.load(deployment, scratch);
        assertEquals("fuse-proxy", loaded.config().settings().backend());
        var section = com.typesafe.config.ConfigFactory.parseString(loaded.hocon())
                .getConfig("spiffe-csi.backends.fuse-proxy");
        assertEquals(
                Set.of("admin-socket-path", "identity", "socket-name"),
                section.entrySet().stream().map(java.util.Map.Entry::getKey).collect(Collectors.toSet()));
        assertEquals("pid", section.getString("identity"));
        assertEquals("spire-agent.sock", section.getString("socket-name"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fuseProxy")
    void fuseProxyReachesTheAgentsAdminSocketAsAnAuthorizedDelegate(DriverDeployment deployment, @TempDir Path scratch)
            throws Exception {
        DriverConfig loaded = DriverConfig.load(deployment, scratch);
        Path adminSocket = Path.of(com.typesafe.config.ConfigFactory.parseString(loaded.hocon())
                .getString("spiffe-csi.backends.fuse-proxy.admin-socket-path"));
        PodSpec pod = loaded.pod();
        assertEquals(
                pod.mountPath(loaded.container(), "spire-agent-admin-socket-dir"),
                adminSocket.getParent().toString());

        // the driver shares the agent's pod, and the admin socket with it through a volume of the pod that no
        // other container mounts and that is not on the host
        assertTrue(deployment.inAgentPod(), "fuse-proxy runs in the agent's pod");
        Rendered rendered = deployment.rendered();
        PodSpec agent = Rendered.podSpec(rendered.one("DaemonSet", DriverDeployment.AGENT))
                .orElseThrow();
        JsonNode adminVolume = agent.volume("spire-agent-admin-socket-dir");
        assertTrue(adminVolume.has("emptyDir"), () -> "not an in-pod emptyDir: " + adminVolume);
        assertEquals(
                Set.of(DriverDeployment.AGENT, DriverConfig.CONTAINER),
                agent.allContainers().stream()
                        .filter(c ->
                                PodSpec.mount(c, "spire-agent-admin-socket-dir").isPresent())
                        .map(c -> c.path("name").asText())
                        .collect(Collectors.toSet()));
        assertTrue(
                PodSpec.mount(loaded.container(), "spire-agent-admin-socket-dir")
                        .orElseThrow()
                        .path("readOnly")
                        .asBoolean(),
                "the driver only connects to the socket");
        String agentConf = DriverConfig.agentConf(rendered);
        Path agentAdminSocket =
                Path.of(DriverConfig.hclString(agentConf, "admin_socket_path").orElseThrow());
        assertEquals(
                agent.mountPath(agent.container("spire-agent"), "spire-agent-admin-socket-dir"),
                agentAdminSocket.getParent().toString());
        assertEquals(adminSocket.getFileName(), agentAdminSocket.getFileName());
        assertFalse(
                agentAdminSocket
                        .getParent()
                        .equals(Path.of(DriverConfig.hclString(agentConf, "socket_path")
                                        .orElseThrow())
                                .getParent()),
                "SPIRE wants the admin socket outside the Workload API socket's directory");

        // the driver's registration entry names the SPIFFE ID the agent authorizes
        List<String> delegates = DriverConfig.hclStrings(agentConf, "authorized_delegates");
        String script = java.nio.file.Files.readString(
                Kustomize.KUBERNETES.resolve("overlays/fuse-proxy/register-delegate.sh"));
        String registered = java.util.regex.Pattern.compile("-spiffeID (\\S+)")
                .matcher(script)
                .results()
                .map(r -> r.group(1))
                .findFirst()
                .orElseThrow();
        assertEquals(List.of(registered), delegates);
        assertTrue(
                script.contains(
                        "-selector k8s:ns:" + Rendered.namespace(rendered.one("DaemonSet", DriverDeployment.AGENT))),
                "the entry selects the driver's namespace");
        assertTrue(
                script.contains("-selector k8s:sa:"
                        + pod.spec().path("serviceAccountName").asText()),
                "the entry selects the driver's service account");
        // the service account is the agent's: the container name keeps the agent and the sidecars out
        assertTrue(
                script.contains("-selector k8s:container-name:" + DriverConfig.CONTAINER + "\n"),
                "the entry selects the driver's container");
    }
}
