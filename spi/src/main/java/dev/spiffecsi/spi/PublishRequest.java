package dev.spiffecsi.spi;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * A validated request to publish a volume.
 *
 * @param volumeId      the CSI volume id (for ephemeral volumes, unique per pod volume)
 * @param targetPath    absolute, normalized, confined below the kubelet pods directory
 * @param readOnly      the CSI {@code readonly} flag; backends that can enforce read-only always do
 * @param pod           who the volume is for
 * @param volumeContext the raw CSI volume context, unmodifiable
 */
public record PublishRequest(String volumeId, Path targetPath, boolean readOnly, PodInfo pod,
                             Map<String, String> volumeContext) {
    public PublishRequest {
        Objects.requireNonNull(volumeId, "volumeId");
        Objects.requireNonNull(targetPath, "targetPath");
        Objects.requireNonNull(pod, "pod");
        volumeContext = Map.copyOf(volumeContext);
    }
}
