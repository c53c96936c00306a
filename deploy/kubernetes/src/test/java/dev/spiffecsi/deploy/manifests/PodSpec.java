package dev.spiffecsi.deploy.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;

/** A pod spec, with look-ups of containers, volumes and mounts. */
record PodSpec(String owner, JsonNode spec) {

    List<JsonNode> containers() {
        return list(spec.path("containers"));
    }

    List<JsonNode> initContainers() {
        return list(spec.path("initContainers"));
    }

    List<JsonNode> allContainers() {
        List<JsonNode> all = new ArrayList<>(initContainers());
        all.addAll(containers());
        return all;
    }

    JsonNode container(String name) {
        return containers().stream()
                .filter(c -> name.equals(c.path("name").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(owner + " has no container " + name));
    }

    List<JsonNode> volumes() {
        return list(spec.path("volumes"));
    }

    JsonNode volume(String name) {
        return findVolume(name).orElseThrow(() -> new AssertionError(owner + " has no volume " + name));
    }

    Optional<JsonNode> findVolume(String name) {
        return volumes().stream()
                .filter(v -> name.equals(v.path("name").asText()))
                .findFirst();
    }

    /** The hostPath path of volume {@code name}; fails if it is not a hostPath volume. */
    String hostPath(String name) {
        JsonNode hostPath = volume(name).path("hostPath");
        if (hostPath.isMissingNode()) {
            throw new AssertionError(owner + ": volume " + name + " is not a hostPath");
        }
        return hostPath.path("path").asText();
    }

    boolean hostPID() {
        return spec.path("hostPID").asBoolean(false);
    }

    boolean hostNetwork() {
        return spec.path("hostNetwork").asBoolean(false);
    }

    static List<JsonNode> mounts(JsonNode container) {
        return list(container.path("volumeMounts"));
    }

    static Optional<JsonNode> mount(JsonNode container, String volume) {
        return mounts(container).stream()
                .filter(m -> volume.equals(m.path("name").asText()))
                .findFirst();
    }

    String mountPath(JsonNode container, String volume) {
        return mount(container, volume)
                .orElseThrow(() -> new AssertionError(
                        owner + ": container " + container.path("name").asText() + " does not mount volume " + volume))
                .path("mountPath")
                .asText();
    }

    static List<String> args(JsonNode container) {
        return list(container.path("args")).stream().map(JsonNode::asText).toList();
    }

    /** The value following {@code flag} (as "-flag value" or "-flag=value", one or two dashes), or empty. */
    static Optional<String> flag(List<String> args, String flag) {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String body = arg.startsWith("--") ? arg.substring(2) : arg.startsWith("-") ? arg.substring(1) : null;
            if (body == null) {
                continue;
            }
            if (body.equals(flag) && i + 1 < args.size()) {
                return Optional.of(args.get(i + 1));
            }
            if (body.startsWith(flag + "=")) {
                return Optional.of(body.substring(flag.length() + 1));
            }
        }
        return Optional.empty();
    }

    /** The container's environment variables with literal values. */
    static Map<String, String> literalEnv(JsonNode container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode variable : list(container.path("env"))) {
            if (variable.has("value")) {
                env.put(variable.path("name").asText(), variable.path("value").asText());
            }
        }
        return env;
    }

    static Optional<JsonNode> env(JsonNode container, String name) {
        return list(container.path("env")).stream()
                .filter(e -> name.equals(e.path("name").asText()))
                .findFirst();
    }

    static List<JsonNode> list(JsonNode array) {
        return array.isArray()
                ? StreamSupport.stream(array.spliterator(), false).toList()
                : List.of();
    }
}
