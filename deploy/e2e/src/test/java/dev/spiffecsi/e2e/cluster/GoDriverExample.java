package dev.spiffecsi.e2e.cluster;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The objects of spiffe/spiffe-csi v0.2.12's {@code example/config/spiffe-csi-driver.yaml} (read with the search
 * tools; rebuilt here field by field, not copied): ServiceAccount and DaemonSet {@code spiffe-csi-driver} in
 * namespace {@code spire} and the CSIDriver {@code csi.spiffe.io}. The DaemonSet keeps the example's containers,
 * flags, environment, volume mounts (the agent socket directory read-only at /spire-agent-socket, the pods
 * directory Bidirectional), securityContext (privileged, read-only root, capabilities dropped), hostPath volumes
 * and default update strategy; what differs:
 * <ul>
 *   <li>the driver container's image: the example workload's (the development distribution) with the command
 *       {@code go-driver-stand-in}, which publishes as v0.2.12 does, instead of ghcr.io/spiffe/spiffe-csi-driver,
 *       which the rig cannot pull; {@link #switchToOurs} sets our image and drops that command;</li>
 *   <li>the registrar's image: the rig's node-driver-registrar, under the name the tier's images use.</li>
 * </ul>
 * The example's SPIRE agent is the tier's dev agent ({@link #devAgent}), serving the same host directory.
 */
public final class GoDriverExample {

    public static final String NAMESPACE = "spire";
    public static final String DAEMON_SET = "spiffe-csi-driver";
    public static final String DRIVER_CONTAINER = "spiffe-csi-driver";
    public static final String AGENT_SOCKET_DIR = "/run/spire/agent-sockets";
    private static final String LAUNCHER = "/opt/spiffe-csi/bin/spiffe-csi-driver";

    private GoDriverExample() {}

    /** The ServiceAccount, the driver's DaemonSet and the CSIDriver, with the stand-in's image. */
    public static List<ObjectNode> objects(String standInImage, String registrarImage) {
        ObjectNode account = object("v1", "ServiceAccount", DAEMON_SET);
        ObjectNode csiDriver = object("storage.k8s.io/v1", "CSIDriver", "csi.spiffe.io");
        ((ObjectNode) csiDriver.path("metadata")).remove("namespace");
        ObjectNode csiSpec = csiDriver
                .putObject("spec")
                .put("attachRequired", false)
                .put("podInfoOnMount", true)
                .put("fsGroupPolicy", "None");
        csiSpec.putArray("volumeLifecycleModes").add("Ephemeral");
        return List.of(account, daemonSet(standInImage, registrarImage), csiDriver);
    }

    private static ObjectNode daemonSet(String standInImage, String registrarImage) {
        ObjectNode daemonSet = object("apps/v1", "DaemonSet", DAEMON_SET);
        ((ObjectNode) daemonSet.path("metadata")).putObject("labels").put("app", DAEMON_SET);
        ObjectNode spec = daemonSet.putObject("spec");
        spec.putObject("selector").putObject("matchLabels").put("app", DAEMON_SET);
        ObjectNode template = spec.putObject("template");
        template.putObject("metadata")
                .put("namespace", NAMESPACE)
                .putObject("labels")
                .put("app", DAEMON_SET);
        ObjectNode podSpec = template.putObject("spec").put("serviceAccountName", DAEMON_SET);
        ArrayNode containers = podSpec.putArray("containers");

        ObjectNode driver = containers
                .addObject()
                .put("name", DRIVER_CONTAINER)
                .put("image", standInImage)
                .put("imagePullPolicy", "IfNotPresent");
        driver.putArray("command").add(LAUNCHER).add("go-driver-stand-in");
        driver.putArray("args")
                .add("-workload-api-socket-dir")
                .add("/spire-agent-socket")
                .add("-csi-socket-path")
                .add("/spiffe-csi/csi.sock");
        driver.putArray("env")
                .addObject()
                .put("name", "MY_NODE_NAME")
                .putObject("valueFrom")
                .putObject("fieldRef")
                .put("fieldPath", "spec.nodeName");
        ArrayNode driverMounts = driver.putArray("volumeMounts");
        driverMounts
                .addObject()
                .put("mountPath", "/spire-agent-socket")
                .put("name", "spire-agent-socket-dir")
                .put("readOnly", true);
        driverMounts.addObject().put("mountPath", "/spiffe-csi").put("name", "spiffe-csi-socket-dir");
        driverMounts
                .addObject()
                .put("mountPath", "/var/lib/kubelet/pods")
                .put("mountPropagation", "Bidirectional")
                .put("name", "mountpoint-dir");
        ObjectNode security = driver.putObject("securityContext")
                .put("readOnlyRootFilesystem", true)
                .put("privileged", true);
        security.putObject("capabilities").putArray("drop").add("all");

        ObjectNode registrar = containers
                .addObject()
                .put("name", "node-driver-registrar")
                .put("image", registrarImage)
                .put("imagePullPolicy", "IfNotPresent");
        registrar
                .putArray("args")
                .add("-csi-address")
                .add("/spiffe-csi/csi.sock")
                .add("-kubelet-registration-path")
                .add("/var/lib/kubelet/plugins/csi.spiffe.io/csi.sock");
        ArrayNode registrarMounts = registrar.putArray("volumeMounts");
        registrarMounts.addObject().put("mountPath", "/spiffe-csi").put("name", "spiffe-csi-socket-dir");
        registrarMounts
                .addObject()
                .put("name", "kubelet-plugin-registration-dir")
                .put("mountPath", "/registration");

        ArrayNode volumes = podSpec.putArray("volumes");
        hostPath(volumes, "spire-agent-socket-dir", AGENT_SOCKET_DIR, "DirectoryOrCreate");
        hostPath(volumes, "spiffe-csi-socket-dir", "/var/lib/kubelet/plugins/csi.spiffe.io", "DirectoryOrCreate");
        hostPath(volumes, "mountpoint-dir", "/var/lib/kubelet/pods", "Directory");
        hostPath(volumes, "kubelet-plugin-registration-dir", "/var/lib/kubelet/plugins_registry", "Directory");
        return daemonSet;
    }

    /**
     * The agent beside the Go driver: the dev agent serving its Workload API socket in the host directory the
     * example's SPIRE agent uses ({@value #AGENT_SOCKET_DIR}), ready once the socket exists.
     */
    public static ObjectNode devAgent(String devAgentImage) {
        ObjectNode daemonSet = object("apps/v1", "DaemonSet", "spire-agent");
        ObjectNode spec = daemonSet.putObject("spec");
        spec.putObject("selector").putObject("matchLabels").put("app", "spire-agent");
        ObjectNode template = spec.putObject("template");
        template.putObject("metadata").putObject("labels").put("app", "spire-agent");
        ObjectNode podSpec = template.putObject("spec");
        ObjectNode agent = podSpec.putArray("containers")
                .addObject()
                .put("name", "spire-agent")
                .put("image", devAgentImage)
                .put("imagePullPolicy", "IfNotPresent");
        agent.putArray("args").add("-socket").add("/run/spire/sockets/spire-agent.sock");
        ObjectNode readiness =
                agent.putObject("readinessProbe").put("initialDelaySeconds", 1).put("periodSeconds", 2);
        readiness
                .putObject("exec")
                .putArray("command")
                .add("test")
                .add("-S")
                .add("/run/spire/sockets/spire-agent.sock");
        agent.putArray("volumeMounts")
                .addObject()
                .put("name", "spire-agent-socket-dir")
                .put("mountPath", "/run/spire/sockets");
        hostPath(podSpec.putArray("volumes"), "spire-agent-socket-dir", AGENT_SOCKET_DIR, "DirectoryOrCreate");
        return daemonSet;
    }

    /**
     * The upgrade as a user of the Go driver makes it: our image in its DaemonSet. The {@code command} goes too:
     * the real Go DaemonSet has none (its image's entrypoint runs), only the stand-in needs one.
     */
    public static String switchToOurs(String ourImage) {
        return "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"" + ourImage
                + "\"},{\"op\":\"remove\",\"path\":\"/spec/template/spec/containers/0/command\"}]";
    }

    private static ObjectNode object(String apiVersion, String kind, String name) {
        ObjectNode object =
                Kubectl.JSON.createObjectNode().put("apiVersion", apiVersion).put("kind", kind);
        object.putObject("metadata").put("name", name).put("namespace", NAMESPACE);
        return object;
    }

    private static void hostPath(ArrayNode volumes, String name, String path, String type) {
        volumes.addObject()
                .put("name", name)
                .putObject("hostPath")
                .put("path", path)
                .put("type", type);
    }
}
