package dev.spiffecsi.engine.state;

import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** What the engine remembers about a published volume, persisted as JSON. */
public record VolumeRecord(String volumeId, String targetPath, String backend, boolean readOnly,
                           Map<String, String> volumeContext, Instant publishedAt) {

    public VolumeRecord {
        volumeContext = volumeContext == null ? Map.of() : Map.copyOf(volumeContext);
    }

    public static VolumeRecord of(PublishRequest request, String backend, Instant publishedAt) {
        return new VolumeRecord(request.volumeId(), request.targetPath().toString(), backend, request.readOnly(),
                request.volumeContext(), publishedAt);
    }

    public Path target() {
        return Path.of(targetPath);
    }

    public PublishRequest toRequest() {
        return new PublishRequest(volumeId, target(), readOnly, PodInfo.fromVolumeContext(volumeContext),
                volumeContext);
    }
}
