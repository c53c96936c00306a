package dev.spiffecsi.deploy.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The objects of one rendering (helm template, kubectl kustomize), with look-ups by kind and name. */
record Objects(String source, List<JsonNode> all) {

    static final YAMLMapper YAML = new YAMLMapper();

    static Objects parse(String source, String yaml) {
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
        return new Objects(source, List.copyOf(objects));
    }

    List<JsonNode> ofKind(String kind) {
        return all.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    Optional<JsonNode> find(String kind, String name) {
        return ofKind(kind).stream()
                .filter(o -> name.equals(o.path("metadata").path("name").asText()))
                .findFirst();
    }

    JsonNode one(String kind, String name) {
        return find(kind, name)
                .orElseThrow(() -> new AssertionError(source + " has no " + kind + " " + name
                        + "; it has "
                        + all.stream()
                                .map(o -> o.path("kind").asText() + " "
                                        + o.path("metadata").path("name").asText())
                                .toList()));
    }

    /** The only object of {@code kind}. */
    JsonNode only(String kind) {
        List<JsonNode> found = ofKind(kind);
        if (found.size() != 1) {
            throw new AssertionError(source + " has " + found.size() + " objects of kind " + kind);
        }
        return found.get(0);
    }

    static JsonNode podSpec(JsonNode workload) {
        return workload.path("kind").asText().equals("Pod")
                ? workload.path("spec")
                : workload.path("spec").path("template").path("spec");
    }

    static JsonNode named(JsonNode list, String name) {
        for (JsonNode item : list) {
            if (name.equals(item.path("name").asText())) {
                return item;
            }
        }
        throw new AssertionError("no element named " + name + " in " + list);
    }

    static Optional<JsonNode> maybeNamed(JsonNode list, String name) {
        for (JsonNode item : list) {
            if (name.equals(item.path("name").asText())) {
                return Optional.of(item);
            }
        }
        return Optional.empty();
    }

    static List<String> names(JsonNode list) {
        List<String> names = new ArrayList<>();
        list.forEach(item -> names.add(item.path("name").asText()));
        return names;
    }

    static List<String> strings(JsonNode list) {
        List<String> values = new ArrayList<>();
        list.forEach(item -> values.add(item.asText()));
        return values;
    }
}
