package dev.spiffecsi.deploy.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * A values file written for the hardened SPIRE chart's spiffe-csi-driver subchart works here unchanged: its
 * values.yaml (a copy, see the NOTICE beside it) passes our schema, and every key it has, found by walking the
 * file, changes the rendering as it does in that chart. A key the copy gains and this table lacks fails the test.
 */
class HardenedValuesTest {

    static final Path VALUES = Chart.HARDENED.resolve("values.yaml");

    record Effect(List<String> settings, Consumer<Objects> check) {}

    static Effect effect(Consumer<Objects> check, String... settings) {
        return new Effect(List.of(settings), check);
    }

    static JsonNode pod(Objects o) {
        return Objects.podSpec(o.only("DaemonSet"));
    }

    static JsonNode container(Objects o, String name) {
        return Objects.named(pod(o).path("containers"), name);
    }

    static JsonNode driver(Objects o) {
        return container(o, "spiffe-csi-driver");
    }

    static JsonNode registrar(Objects o) {
        return container(o, "node-driver-registrar");
    }

    static String image(Objects o, String container) {
        return container(o, container).path("image").asText();
    }

    static final Map<String, Effect> EFFECTS = new TreeMap<>(Map.ofEntries(
            Map.entry(
                    "global",
                    effect(
                            o -> assertEquals(
                                    "m.example/spiffe/spiffe-csi-driver",
                                    image(o, "spiffe-csi-driver").replaceAll(":.*", "")),
                            "global.spire.image.registry=m.example")),
            Map.entry(
                    "pluginName",
                    effect(
                            o -> {
                                assertEquals(
                                        "x.example.io",
                                        o.only("CSIDriver")
                                                .path("metadata")
                                                .path("name")
                                                .asText());
                                assertTrue(
                                        Objects.strings(driver(o).path("args")).contains("x.example.io"));
                                assertTrue(Objects.strings(registrar(o).path("args"))
                                        .contains("/var/lib/kubelet/plugins/x.example.io/csi.sock"));
                            },
                            "pluginName=x.example.io")),
            Map.entry(
                    "image.registry",
                    effect(
                            o -> assertTrue(image(o, "spiffe-csi-driver").startsWith("r.example/")),
                            "image.registry=r.example")),
            Map.entry(
                    "image.repository",
                    effect(
                            o -> assertEquals("ghcr.io/me/driver:0.1.0", image(o, "spiffe-csi-driver")),
                            "image.repository=me/driver")),
            Map.entry(
                    "image.pullPolicy",
                    effect(
                            o -> assertEquals(
                                    "Always", driver(o).path("imagePullPolicy").asText()),
                            "image.pullPolicy=Always")),
            Map.entry(
                    "image.tag",
                    effect(
                            o -> assertEquals("ghcr.io/spiffe/spiffe-csi-driver:9.9", image(o, "spiffe-csi-driver")),
                            "image.tag=9.9")),
            Map.entry(
                    "resources",
                    effect(
                            o -> assertEquals(
                                    "1Gi",
                                    driver(o)
                                            .path("resources")
                                            .path("limits")
                                            .path("memory")
                                            .asText()),
                            "resources.limits.memory=1Gi")),
            Map.entry(
                    "extraEnvVars",
                    effect(
                            o -> assertEquals(
                                    "v",
                                    Objects.named(driver(o).path("env"), "X")
                                            .path("value")
                                            .asText()),
                            "extraEnvVars[0].name=X",
                            "extraEnvVars[0].value=v")),
            Map.entry(
                    "healthChecks.port",
                    effect(
                            o -> {
                                assertEquals(
                                        9999,
                                        Objects.named(driver(o).path("ports"), "healthz")
                                                .path("containerPort")
                                                .asInt());
                                assertTrue(Objects.strings(
                                                container(o, "liveness-probe").path("args"))
                                        .contains("--health-port=9999"));
                            },
                            "healthChecks.port=9999")),
            Map.entry(
                    "updateStrategy.type",
                    effect(
                            o -> assertEquals(
                                    "OnDelete",
                                    o.only("DaemonSet")
                                            .path("spec")
                                            .path("updateStrategy")
                                            .path("type")
                                            .asText()),
                            "updateStrategy.type=OnDelete")),
            Map.entry(
                    "updateStrategy.rollingUpdate.maxUnavailable",
                    effect(
                            o -> assertEquals(
                                    "25%",
                                    o.only("DaemonSet")
                                            .path("spec")
                                            .path("updateStrategy")
                                            .path("rollingUpdate")
                                            .path("maxUnavailable")
                                            .asText()),
                            "updateStrategy.rollingUpdate.maxUnavailable=25%")),
            Map.entry(
                    "livenessProbe.initialDelaySeconds",
                    effect(
                            o -> assertEquals(
                                    42,
                                    driver(o)
                                            .path("livenessProbe")
                                            .path("initialDelaySeconds")
                                            .asInt()),
                            "livenessProbe.initialDelaySeconds=42")),
            Map.entry(
                    "livenessProbe.timeoutSeconds",
                    effect(
                            o -> assertEquals(
                                    7,
                                    driver(o)
                                            .path("livenessProbe")
                                            .path("timeoutSeconds")
                                            .asInt()),
                            "livenessProbe.timeoutSeconds=7")),
            Map.entry(
                    "imagePullSecrets",
                    effect(
                            o -> assertEquals(
                                    "pull",
                                    pod(o).path("imagePullSecrets")
                                            .get(0)
                                            .path("name")
                                            .asText()),
                            "imagePullSecrets[0].name=pull")),
            Map.entry(
                    "nameOverride",
                    effect(
                            o -> {
                                assertEquals(
                                        "spiffe-csi-driver-node",
                                        o.only("DaemonSet")
                                                .path("metadata")
                                                .path("name")
                                                .asText());
                                assertEquals(
                                        "node",
                                        o.only("DaemonSet")
                                                .path("spec")
                                                .path("selector")
                                                .path("matchLabels")
                                                .path("app.kubernetes.io/name")
                                                .asText());
                            },
                            "nameOverride=node")),
            Map.entry(
                    "fullnameOverride",
                    effect(
                            o -> {
                                assertEquals(
                                        "driver",
                                        o.only("DaemonSet")
                                                .path("metadata")
                                                .path("name")
                                                .asText());
                                assertEquals(
                                        "driver",
                                        o.only("ServiceAccount")
                                                .path("metadata")
                                                .path("name")
                                                .asText());
                            },
                            "fullnameOverride=driver")),
            Map.entry(
                    "namespaceOverride",
                    effect(
                            o -> {
                                for (String kind : List.of("DaemonSet", "ConfigMap", "ServiceAccount")) {
                                    assertEquals(
                                            "other",
                                            o.only(kind)
                                                    .path("metadata")
                                                    .path("namespace")
                                                    .asText(),
                                            kind);
                                }
                            },
                            "namespaceOverride=other")),
            Map.entry(
                    "serverNamespaceOverride",
                    effect(
                            o -> assertEquals(
                                    List.of("spire-server"),
                                    Objects.strings(o.only("ValidatingAdmissionPolicyBinding")
                                            .path("spec")
                                            .path("matchResources")
                                            .path("namespaceSelector")
                                            .path("matchExpressions")
                                            .get(0)
                                            .path("values"))),
                            "serverNamespaceOverride=spire-server",
                            "validatingAdmissionPolicy.enabled=true")),
            Map.entry(
                    "validatingAdmissionPolicy.enabled",
                    effect(
                            o -> assertEquals(
                                    "upstream.csi.spiffe.io-users",
                                    o.only("ValidatingAdmissionPolicy")
                                            .path("metadata")
                                            .path("name")
                                            .asText()),
                            "pluginName=upstream.csi.spiffe.io",
                            "--kube-version=1.31.0")),
            Map.entry(
                    "csiDriverLabels",
                    effect(
                            o -> assertEquals(
                                    "b",
                                    o.only("CSIDriver")
                                            .path("metadata")
                                            .path("labels")
                                            .path("a")
                                            .asText()),
                            "csiDriverLabels.a=b")),
            Map.entry(
                    "initContainers",
                    effect(
                            o -> assertEquals(
                                    "wait",
                                    pod(o).path("initContainers")
                                            .get(0)
                                            .path("name")
                                            .asText()),
                            "initContainers[0].name=wait",
                            "initContainers[0].image=busybox")),
            Map.entry(
                    "serviceAccount.create",
                    effect(
                            o -> {
                                assertTrue(o.ofKind("ServiceAccount").isEmpty());
                                assertEquals(
                                        "default",
                                        pod(o).path("serviceAccountName").asText());
                            },
                            "serviceAccount.create=false")),
            Map.entry(
                    "serviceAccount.annotations",
                    effect(
                            o -> assertEquals(
                                    "b",
                                    o.only("ServiceAccount")
                                            .path("metadata")
                                            .path("annotations")
                                            .path("a")
                                            .asText()),
                            "serviceAccount.annotations.a=b")),
            Map.entry(
                    "serviceAccount.name",
                    effect(
                            o -> {
                                assertEquals(
                                        "sa",
                                        o.only("ServiceAccount")
                                                .path("metadata")
                                                .path("name")
                                                .asText());
                                assertEquals(
                                        "sa", pod(o).path("serviceAccountName").asText());
                            },
                            "serviceAccount.name=sa")),
            Map.entry(
                    "podAnnotations",
                    effect(
                            o -> assertEquals(
                                    "b",
                                    o.only("DaemonSet")
                                            .path("spec")
                                            .path("template")
                                            .path("metadata")
                                            .path("annotations")
                                            .path("a")
                                            .asText()),
                            "podAnnotations.a=b")),
            Map.entry(
                    "podLabels",
                    effect(
                            o -> assertEquals(
                                    "b",
                                    o.only("DaemonSet")
                                            .path("spec")
                                            .path("template")
                                            .path("metadata")
                                            .path("labels")
                                            .path("a")
                                            .asText()),
                            "podLabels.a=b")),
            Map.entry(
                    "podSecurityContext",
                    effect(
                            o -> assertEquals(
                                    2000,
                                    pod(o).path("securityContext")
                                            .path("fsGroup")
                                            .asInt()),
                            "podSecurityContext.fsGroup=2000")),
            Map.entry(
                    "securityContext.readOnlyRootFilesystem",
                    effect(
                            o -> assertEquals(
                                    false,
                                    driver(o)
                                            .path("securityContext")
                                            .path("readOnlyRootFilesystem")
                                            .asBoolean(true)),
                            "securityContext.readOnlyRootFilesystem=false")),
            Map.entry(
                    "securityContext.privileged",
                    effect(
                            o -> assertEquals(
                                    false,
                                    driver(o)
                                            .path("securityContext")
                                            .path("privileged")
                                            .asBoolean(true)),
                            "securityContext.privileged=false")),
            Map.entry(
                    "securityContext.capabilities.drop",
                    effect(
                            o -> assertEquals(
                                    List.of("NET_RAW"),
                                    Objects.strings(driver(o)
                                            .path("securityContext")
                                            .path("capabilities")
                                            .path("drop"))),
                            "securityContext.capabilities.drop[0]=NET_RAW")),
            Map.entry(
                    "nodeSelector",
                    effect(
                            o -> assertEquals(
                                    "b", pod(o).path("nodeSelector").path("a").asText()),
                            "nodeSelector.a=b")),
            Map.entry(
                    "tolerations",
                    effect(
                            o -> assertEquals(
                                    "Exists",
                                    pod(o).path("tolerations")
                                            .get(0)
                                            .path("operator")
                                            .asText()),
                            "tolerations[0].operator=Exists")),
            Map.entry(
                    "affinity",
                    effect(
                            o -> assertTrue(pod(o).path("affinity").has("nodeAffinity")),
                            "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
                                    + ".matchExpressions[0].key=a",
                            "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
                                    + ".matchExpressions[0].operator=Exists")),
            Map.entry(
                    "nodeDriverRegistrar.image.registry",
                    effect(
                            o -> assertTrue(image(o, "node-driver-registrar").startsWith("r.example/")),
                            "nodeDriverRegistrar.image.registry=r.example")),
            Map.entry(
                    "nodeDriverRegistrar.image.repository",
                    effect(
                            o -> assertEquals("registry.k8s.io/me/reg:v2.9.4", image(o, "node-driver-registrar")),
                            "nodeDriverRegistrar.image.repository=me/reg")),
            Map.entry(
                    "nodeDriverRegistrar.image.pullPolicy",
                    effect(
                            o -> assertEquals(
                                    "Never",
                                    registrar(o).path("imagePullPolicy").asText()),
                            "nodeDriverRegistrar.image.pullPolicy=Never")),
            Map.entry(
                    "nodeDriverRegistrar.image.tag",
                    effect(
                            o -> assertTrue(image(o, "node-driver-registrar").endsWith(":v9")),
                            "nodeDriverRegistrar.image.tag=v9")),
            Map.entry(
                    "nodeDriverRegistrar.extraEnvVars",
                    effect(
                            o -> assertEquals(
                                    "v",
                                    Objects.named(registrar(o).path("env"), "X")
                                            .path("value")
                                            .asText()),
                            "nodeDriverRegistrar.extraEnvVars[0].name=X",
                            "nodeDriverRegistrar.extraEnvVars[0].value=v")),
            Map.entry(
                    "agentSocketPath",
                    effect(
                            o -> assertEquals(
                                    "/run/agent",
                                    Objects.named(pod(o).path("volumes"), "spire-agent-socket-dir")
                                            .path("hostPath")
                                            .path("path")
                                            .asText()),
                            "agentSocketPath=/run/agent/a.sock")),
            Map.entry(
                    "kubeletPath",
                    effect(
                            o -> {
                                assertEquals(
                                        "/var/lib/k0s/kubelet/pods",
                                        Objects.named(driver(o).path("volumeMounts"), "mountpoint-dir")
                                                .path("mountPath")
                                                .asText());
                                assertEquals(
                                        "/var/lib/k0s/kubelet/plugins_registry",
                                        Objects.named(pod(o).path("volumes"), "kubelet-plugin-registration-dir")
                                                .path("hostPath")
                                                .path("path")
                                                .asText());
                                assertTrue(o.only("ConfigMap")
                                        .path("data")
                                        .path("driver.conf")
                                        .asText()
                                        .contains("kubelet-pods-dir = \"/var/lib/k0s/kubelet/pods\""));
                            },
                            "kubeletPath=/var/lib/k0s/kubelet")),
            Map.entry(
                    "priorityClassName",
                    effect(
                            o -> assertEquals(
                                    "system-node-critical",
                                    pod(o).path("priorityClassName").asText()),
                            "priorityClassName=system-node-critical")),
            Map.entry(
                    "restrictedScc.enabled",
                    effect(
                            o -> o.one("SecurityContextConstraints", "restricted-v2-csi"),
                            "global.openshift=true",
                            "restrictedScc.enabled=true")),
            Map.entry(
                    "restrictedScc.name",
                    effect(
                            o -> o.one("SecurityContextConstraints", "mine"),
                            "global.openshift=true",
                            "restrictedScc.enabled=true",
                            "restrictedScc.name=mine")),
            Map.entry(
                    "restrictedScc.version",
                    effect(
                            o -> assertTrue(o.one("SecurityContextConstraints", "restricted-csi")
                                    .path("allowPrivilegeEscalation")
                                    .asBoolean()),
                            "global.openshift=true",
                            "restrictedScc.enabled=true",
                            "restrictedScc.version=1")),
            Map.entry(
                    "selinux.enabled",
                    effect(o -> Objects.named(pod(o).path("initContainers"), "set-context"), "selinux.enabled=true")),
            Map.entry(
                    "selinux.context",
                    effect(
                            o -> assertTrue(Objects.strings(Objects.named(pod(o).path("initContainers"), "set-context")
                                            .path("command"))
                                    .contains("svirt_sandbox_file_t")),
                            "selinux.enabled=true",
                            "selinux.context=svirt_sandbox_file_t")),
            Map.entry(
                    "selinux.image.registry",
                    effect(
                            o -> assertTrue(Objects.named(pod(o).path("initContainers"), "set-context")
                                    .path("image")
                                    .asText()
                                    .startsWith("r.example/ubi9:")),
                            "selinux.enabled=true",
                            "selinux.image.registry=r.example")),
            Map.entry(
                    "selinux.image.repository",
                    effect(
                            o -> assertTrue(Objects.named(pod(o).path("initContainers"), "set-context")
                                    .path("image")
                                    .asText()
                                    .startsWith("registry.access.redhat.com/ubi10:")),
                            "selinux.enabled=true",
                            "selinux.image.repository=ubi10")),
            Map.entry(
                    "selinux.image.pullPolicy",
                    effect(
                            o -> assertEquals(
                                    "Always",
                                    Objects.named(pod(o).path("initContainers"), "set-context")
                                            .path("imagePullPolicy")
                                            .asText()),
                            "selinux.enabled=true",
                            "selinux.image.pullPolicy=Always")),
            Map.entry(
                    "selinux.image.tag",
                    effect(
                            o -> assertTrue(Objects.named(pod(o).path("initContainers"), "set-context")
                                    .path("image")
                                    .asText()
                                    .endsWith("/ubi9:9.9")),
                            "selinux.enabled=true",
                            "selinux.image.tag=9.9"))));

    /** Every key of the file, down to its leaves (an empty map or list, or a map of free-form content, is one). */
    static List<String> keys() throws IOException {
        List<String> keys = new ArrayList<>();
        walk("", Objects.YAML.readTree(VALUES.toFile()), keys);
        return keys;
    }

    private static void walk(String prefix, JsonNode node, List<String> keys) {
        boolean freeForm = List.of(
                        "global",
                        "resources",
                        "podSecurityContext",
                        "nodeSelector",
                        "affinity",
                        "podAnnotations",
                        "podLabels",
                        "csiDriverLabels")
                .contains(prefix);
        if (!node.isObject() || node.isEmpty() || freeForm) {
            keys.add(prefix);
            return;
        }
        node.fields()
                .forEachRemaining(
                        e -> walk(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), keys));
    }

    @Test
    void theHardenedValuesFilePassesTheSchemaAndRenders() {
        Objects rendered = Chart.template(Chart.CHART, List.of("-f", VALUES.toString()));
        JsonNode driver = driver(rendered);
        // its image is the Go driver's, at our chart's appVersion (its own tag is empty): say it, do not hide it
        assertEquals(
                "ghcr.io/spiffe/spiffe-csi-driver:0.1.0", driver.path("image").asText());
        assertTrue(driver.path("securityContext").path("privileged").asBoolean());
    }

    @Test
    void everyKeyOfTheFileHasAnEffectChecked() throws IOException {
        assertEquals(
                new TreeSet<>(keys()),
                new TreeSet<>(EFFECTS.keySet()),
                "the hardened subchart's keys and the effects this test checks");
    }

    @TestFactory
    List<DynamicTest> eachKeyHasItsEffect() {
        return EFFECTS.entrySet().stream()
                .map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
                    List<String> args = new ArrayList<>(List.of("-f", VALUES.toString()));
                    for (String setting : e.getValue().settings()) {
                        args.add(setting.startsWith("-") ? setting : "--set=" + setting);
                    }
                    e.getValue().check().accept(Chart.template(Chart.CHART, args));
                }))
                .toList();
    }
}
