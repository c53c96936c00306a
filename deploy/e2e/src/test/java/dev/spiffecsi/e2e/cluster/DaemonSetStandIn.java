package dev.spiffecsi.e2e.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spiffecsi.e2e.support.Progress;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for the DaemonSet controller, which the rig does not run (no kube-controller-manager): keeps one pod
 * of the DaemonSet on the node, made from its pod template with {@code spec.nodeName} (there is no scheduler
 * either) and owned by it, as the controller's are. It watches the DaemonSet's pods and creates a replacement
 * once a pod is deleted and gone, so that a test deletes the driver's pod exactly as an operator would and the
 * pod comes back without the test's help.
 */
public final class DaemonSetStandIn implements AutoCloseable {

    /** Every stand-in still creating pods, for {@link #stopAll()}. */
    private static final Set<DaemonSetStandIn> RUNNING = ConcurrentHashMap.newKeySet();

    private final Kubectl kubectl;
    private final JsonNode daemonSet;
    private final String node;
    private final String namespace;
    private final String selector;
    private final AtomicInteger created = new AtomicInteger();
    private final Process watch;
    private volatile String lastError = "";

    private DaemonSetStandIn(Kubectl kubectl, JsonNode daemonSet, String node) {
        this.kubectl = kubectl;
        this.daemonSet = daemonSet;
        this.node = node;
        this.namespace = daemonSet.path("metadata").path("namespace").asText();
        this.selector = selector(daemonSet);
        reconcile();
        try {
            watch = new ProcessBuilder(kubectl.command(List.of("get", "pods", "-n", namespace, "-l", selector,
                    "--watch", "--output-watch-events", "-o", "json")))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot watch the pods of DaemonSet " + name() + ": " + e.getMessage(), e);
        }
        RUNNING.add(this);
        Thread.ofPlatform().daemon().name("daemonset-stand-in").start(this::follow);
    }

    /**
     * Stops every stand-in, so that the rig's down.sh can delete the pods for good (a stand-in would replace
     * them): for a shutdown that interrupts the checks.
     */
    public static void stopAll() {
        RUNNING.forEach(DaemonSetStandIn::close);
    }

    /**
     * Creates the DaemonSet's pod on {@code node} and keeps it there until {@link #close()}.
     *
     * @param daemonSet the DaemonSet as the API server holds it (its uid owns the pods)
     */
    public static DaemonSetStandIn start(Kubectl kubectl, JsonNode daemonSet, String node) {
        return new DaemonSetStandIn(kubectl, daemonSet, node);
    }

    public String namespace() {
        return namespace;
    }

    /** The DaemonSet's pod that is not being deleted; a missing node while there is none. */
    public JsonNode currentPod() {
        for (JsonNode pod : pods()) {
            if (pod.path("metadata").path("deletionTimestamp").isMissingNode()) {
                return pod;
            }
        }
        return Kubectl.JSON.missingNode();
    }

    /** How many pods this stand-in has created, and its last error: for failure messages. */
    public String describe() {
        return "DaemonSet " + namespace + "/" + name() + " stand-in: " + created.get() + " pod(s) created"
                + (lastError.isEmpty() ? "" : ", last error: " + lastError);
    }

    /** Stops creating pods; the current one stays. */
    @Override
    public void close() {
        RUNNING.remove(this);
        watch.destroy();
    }

    /** Reconciles on every event of the watch: the controller's loop, for one node. */
    private void follow() {
        try (MappingIterator<JsonNode> events = Kubectl.JSON.readerFor(JsonNode.class)
                .readValues(watch.getInputStream())) {
            while (events.hasNext()) {
                JsonNode event = events.next();
                if ("DELETED".equals(event.path("type").asText())) {
                    reconcile();
                }
            }
        } catch (IOException | RuntimeException e) {
            if (watch.isAlive()) {
                lastError = "the watch of the DaemonSet's pods failed: " + e.getMessage();
                Progress.log(describe());
            }
        }
    }

    /** Creates the pod when the DaemonSet has none on the node, not even one still terminating. */
    private synchronized void reconcile() {
        try {
            if (pods().isEmpty()) {
                JsonNode pod = kubectl.create(podFromTemplate());
                created.incrementAndGet();
                Progress.log("DaemonSet stand-in: created pod " + namespace + "/" + Pods.name(pod) + " of "
                        + name() + " on node " + node);
            }
        } catch (RuntimeException e) {
            lastError = e.getMessage();
            Progress.log(describe());
        }
    }

    private List<JsonNode> pods() {
        List<JsonNode> pods = new ArrayList<>();
        kubectl.json("get", "pods", "-n", namespace, "-l", selector).path("items").forEach(pods::add);
        return pods;
    }

    private ObjectNode podFromTemplate() {
        JsonNode template = daemonSet.path("spec").path("template");
        ObjectNode pod = Kubectl.JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode metadata = pod.putObject("metadata");
        metadata.put("generateName", name() + "-").put("namespace", namespace);
        metadata.set("labels", template.path("metadata").path("labels"));
        if (template.path("metadata").has("annotations")) {
            metadata.set("annotations", template.path("metadata").path("annotations"));
        }
        metadata.putArray("ownerReferences").addObject().put("apiVersion", "apps/v1").put("kind", "DaemonSet")
                .put("name", name()).put("uid", daemonSet.path("metadata").path("uid").asText())
                .put("controller", true).put("blockOwnerDeletion", true);
        ObjectNode spec = template.path("spec").deepCopy();
        spec.put("nodeName", node);
        pod.set("spec", spec);
        return pod;
    }

    private String name() {
        return daemonSet.path("metadata").path("name").asText();
    }

    private static String selector(JsonNode daemonSet) {
        StringJoiner joined = new StringJoiner(",");
        for (Map.Entry<String, JsonNode> label : daemonSet.path("spec").path("selector").path("matchLabels")
                .properties()) {
            joined.add(label.getKey() + "=" + label.getValue().asText());
        }
        return joined.toString();
    }
}
