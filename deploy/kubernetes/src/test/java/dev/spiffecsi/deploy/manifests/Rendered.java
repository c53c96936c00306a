package dev.spiffecsi.deploy.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The objects of one rendering (or of one YAML file), with look-ups by kind and name. */
record Rendered(String source, List<JsonNode> objects) {

    static final YAMLMapper YAML = new YAMLMapper();

    static Rendered parse(String source, String yaml) {
        List<JsonNode> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> documents =
                YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                if (document != null && !document.isNull() && !document.isEmpty()) {
                    objects.add(document);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse the rendering of " + source, e);
        }
        return new Rendered(source, List.copyOf(objects));
    }

    static Rendered read(Path file) {
        try {
            return parse(file.toString(), Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<JsonNode> ofKind(String kind) {
        return objects.stream()
                .filter(o -> kind.equals(o.path("kind").asText()))
                .toList();
    }

    Optional<JsonNode> find(String kind, String name) {
        return ofKind(kind).stream().filter(o -> name.equals(name(o))).findFirst();
    }

    JsonNode one(String kind, String name) {
        return find(kind, name)
                .orElseThrow(() -> new AssertionError(source + " has no " + kind + " " + name + "; it has "
                        + objects.stream().map(Rendered::id).toList()));
    }

    static String name(JsonNode object) {
        return object.path("metadata").path("name").asText();
    }

    static String namespace(JsonNode object) {
        return object.path("metadata").path("namespace").asText("");
    }

    static String id(JsonNode object) {
        String namespace = namespace(object);
        return object.path("kind").asText() + " " + (namespace.isEmpty() ? "" : namespace + "/") + name(object);
    }

    /** The pod spec of a workload object (Pod, Deployment, DaemonSet, ...), or empty. */
    static Optional<PodSpec> podSpec(JsonNode object) {
        String kind = object.path("kind").asText();
        JsonNode spec = switch (kind) {
            case "Pod" -> object.path("spec");
            case "Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job" ->
                object.path("spec").path("template").path("spec");
            default -> null;
        };
        return spec == null || spec.isMissingNode() ? Optional.empty() : Optional.of(new PodSpec(id(object), spec));
    }

    List<PodSpec> podSpecs() {
        return objects.stream().flatMap(o -> podSpec(o).stream()).toList();
    }
}
