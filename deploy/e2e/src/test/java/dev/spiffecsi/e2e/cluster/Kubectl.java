package dev.spiffecsi.e2e.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.spiffecsi.e2e.support.Exec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The cluster client of the tier: the rig's kubectl (v1.31, with kustomize v5), its JSON output read with
 * Jackson. No Kubernetes client library: kubectl is what users run, and what the README's steps use.
 */
public final class Kubectl {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    /** Server-side apply, under the tier's own field manager (the rig's ns.sh applies namespaces the same way). */
    private static final String FIELD_MANAGER = "spiffe-csi-e2e";

    private final Path kubectl;
    private final Path kubeconfig;

    public Kubectl(Path kubectl, Path kubeconfig) {
        this.kubectl = kubectl;
        this.kubeconfig = kubeconfig;
    }

    /** A kubectl that only renders ({@code kubectl kustomize}): no cluster, no kubeconfig. */
    public static Kubectl renderingOnly(Path kubectl) {
        return new Kubectl(kubectl, null);
    }

    public Exec.Result run(List<String> args) {
        return run(args, null);
    }

    public Exec.Result run(List<String> args, String stdin) {
        return Exec.run(command(args), stdin, Map.of(), TIMEOUT);
    }

    List<String> command(List<String> args) {
        List<String> command = new ArrayList<>(List.of(kubectl.toString()));
        if (kubeconfig != null) {
            command.addAll(List.of("--kubeconfig", kubeconfig.toString()));
        }
        command.addAll(args);
        return command;
    }

    /** {@code kubectl ARGS -o json}, parsed. */
    public JsonNode json(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("-o", "json"));
        return parse(run(all).orThrow().stdout());
    }

    /** The object, or a missing node when it does not exist. */
    public JsonNode getOrMissing(String kind, String namespace, String name) {
        Exec.Result result = run(List.of("get", kind, name, "-n", namespace, "--ignore-not-found", "-o", "json"))
                .orThrow();
        return result.stdout().isBlank() ? JSON.missingNode() : parse(result.stdout());
    }

    /** {@code kubectl kustomize DIR}: the rendered objects, in kustomize's order. */
    public List<ObjectNode> kustomize(Path directory) {
        String yaml = run(List.of("kustomize", directory.toString())).orThrow().stdout();
        try {
            List<ObjectNode> objects = new ArrayList<>();
            for (JsonNode document :
                    YAML.readValues(YAML.createParser(yaml), JsonNode.class).readAll()) {
                if (document instanceof ObjectNode object) {
                    objects.add(object);
                }
            }
            return objects;
        } catch (IOException e) {
            throw new IllegalStateException(
                    "kubectl kustomize " + directory + " printed no YAML: " + e.getMessage(), e);
        }
    }

    /** Server-side apply of {@code objects}, in one call. */
    public void apply(List<? extends JsonNode> objects) {
        run(
                        List.of(
                                "apply",
                                "--server-side",
                                "--force-conflicts",
                                "--field-manager=" + FIELD_MANAGER,
                                "-f",
                                "-"),
                        list(objects))
                .orThrow();
    }

    /** Creates {@code object} and returns it as the API server stored it (its name, uid, defaults). */
    public JsonNode create(JsonNode object) {
        return parse(run(List.of("create", "-f", "-", "-o", "json"), object.toString())
                .orThrow()
                .stdout());
    }

    /** Deletes {@code objects} and waits until they are gone; missing ones are fine. */
    public void delete(List<? extends JsonNode> objects, Duration timeout) {
        run(
                        List.of(
                                "delete",
                                "--ignore-not-found",
                                "--wait=true",
                                "--timeout=" + timeout.toSeconds() + "s",
                                "-f",
                                "-"),
                        list(objects))
                .orThrow();
    }

    /**
     * Deletes {@code objects} with foreground cascading and waits until they are gone: an owner goes only after the
     * objects it owns (a DaemonSet after its pods, a Namespace after everything in it).
     */
    public void deleteInForeground(List<? extends JsonNode> objects, Duration timeout) {
        if (objects.isEmpty()) {
            return;
        }
        run(
                        List.of(
                                "delete",
                                "--ignore-not-found",
                                "--cascade=foreground",
                                "--wait=true",
                                "--timeout=" + timeout.toSeconds() + "s",
                                "-f",
                                "-"),
                        list(objects))
                .orThrow();
    }

    /** Deletes one pod and waits until the kubelet has torn it down (volumes unpublished) and it is gone. */
    public void deletePod(String namespace, String name, Duration timeout) {
        run(List.of(
                        "delete",
                        "pod",
                        name,
                        "-n",
                        namespace,
                        "--ignore-not-found",
                        "--wait=true",
                        "--timeout=" + timeout.toSeconds() + "s"))
                .orThrow();
    }

    /** Runs {@code command} in a container, as its user; the result's exit code is the command's. */
    public Exec.Result exec(String namespace, String pod, String container, List<String> command) {
        List<String> args = new ArrayList<>(List.of("exec", pod, "-n", namespace, "-c", container, "--"));
        args.addAll(command);
        return run(args);
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("kubectl printed no JSON: " + e.getMessage() + "\n" + json, e);
        }
    }

    private static String list(List<? extends JsonNode> objects) {
        ObjectNode list = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "List");
        ArrayNode items = list.putArray("items");
        objects.forEach(items::add);
        return list.toString();
    }
}
