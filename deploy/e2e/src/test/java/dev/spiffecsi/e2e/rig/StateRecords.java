package dev.spiffecsi.e2e.rig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The driver's records of published volumes, as the node holds them: the JSON files in {@code volumes/} of the
 * state directory's host path (the hostPath of the DaemonSet's {@code spiffe-csi-state} volume).
 */
public record StateRecords(Path hostStateDir) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One record: the volume and the target path it was published at. */
    public record StateRecord(Path file, String volumeId, String targetPath) {}

    public List<StateRecord> all() {
        Path volumes = hostStateDir.resolve("volumes");
        if (!Files.isDirectory(volumes)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(volumes)) {
            return files.filter(file -> file.toString().endsWith(".json"))
                    .map(StateRecords::read)
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + volumes + ": " + e.getMessage(), e);
        }
    }

    /** The records of a pod's volumes: those whose target path is below the pod's directory. */
    public List<StateRecord> ofPod(String podUid) {
        return all().stream()
                .filter(r -> r.targetPath().contains("/pods/" + podUid + "/"))
                .toList();
    }

    private static StateRecord read(Path file) {
        try {
            JsonNode record = JSON.readTree(file.toFile());
            return new StateRecord(
                    file,
                    record.path("volumeId").asText(),
                    record.path("targetPath").asText());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the state record " + file + ": " + e.getMessage(), e);
        }
    }
}
