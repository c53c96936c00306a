package dev.spiffecsi.engine.state;

import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * What the engine remembers about a published volume, persisted as JSON.
 *
 * @param volumeMountGroup the pod's fsGroup as the kubelet sent it, kept so that a volume served again after a
 *                         driver restart gives its files the same group; empty in records of drivers that did not
 *                         advertise VOLUME_MOUNT_GROUP
 */
public record VolumeRecord(
        String volumeId,
        String targetPath,
        String backend,
        boolean readOnly,
        Map<String, String> volumeContext,
        OptionalInt volumeMountGroup,
        Instant publishedAt) {

    /** The context as recorded: without the service account tokens, also when read from a record that held them. */
    public VolumeRecord {
        volumeContext = volumeContext == null ? Map.of() : Map.copyOf(recordedContext(volumeContext));
        volumeMountGroup = volumeMountGroup == null ? OptionalInt.empty() : volumeMountGroup;
    }

    /** A record without a volume mount group. */
    public VolumeRecord(
            String volumeId,
            String targetPath,
            String backend,
            boolean readOnly,
            Map<String, String> volumeContext,
            Instant publishedAt) {
        this(volumeId, targetPath, backend, readOnly, volumeContext, OptionalInt.empty(), publishedAt);
    }

    /**
     * The kubelet's service account tokens (a CSIDriver with {@code tokenRequests}): credentials, never written to
     * the state directory, and new on every republish by design, so not part of what a volume was published with.
     */
    public static final String SERVICE_ACCOUNT_TOKENS = "csi.storage.k8s.io/serviceAccount.tokens";

    public static VolumeRecord of(PublishRequest request, String backend, Instant publishedAt) {
        return new VolumeRecord(
                request.volumeId(),
                request.targetPath().toString(),
                backend,
                request.readOnly(),
                request.volumeContext(),
                request.volumeMountGroup(),
                publishedAt);
    }

    /** {@code volumeContext} as a record keeps it: without the service account tokens. */
    public static Map<String, String> recordedContext(Map<String, String> volumeContext) {
        if (!volumeContext.containsKey(SERVICE_ACCOUNT_TOKENS)) {
            return volumeContext;
        }
        Map<String, String> kept = new HashMap<>(volumeContext);
        kept.remove(SERVICE_ACCOUNT_TOKENS);
        return kept;
    }

    public Path target() {
        return Path.of(targetPath);
    }

    public PublishRequest toRequest() {
        return new PublishRequest(
                volumeId,
                target(),
                readOnly,
                PodInfo.fromVolumeContext(volumeContext),
                volumeContext,
                volumeMountGroup);
    }
}
