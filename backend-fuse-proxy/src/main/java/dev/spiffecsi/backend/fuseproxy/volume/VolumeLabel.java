package dev.spiffecsi.backend.fuseproxy.volume;

import dev.spiffecsi.spi.PublishRequest;
import java.nio.file.Path;

/**
 * Names a published volume in log lines: every failure is logged with its volume id and target path, and with the
 * pod it was published for, so that a refusal or a limit reached says which pod caused it.
 *
 * @param pod {@code namespace/name} as the kubelet sent them (validated by the engine as Kubernetes names), or
 *            empty when unknown
 */
public record VolumeLabel(String volumeId, Path target, String pod) {

    public VolumeLabel(String volumeId, Path target) {
        this(volumeId, target, "");
    }

    /** The volume of {@code request}; without a pod when the kubelet sent no pod info. */
    public static VolumeLabel of(PublishRequest request) {
        String pod = request.pod().name().isEmpty() ? "" : request.pod().displayName();
        return new VolumeLabel(request.volumeId(), request.targetPath(), pod);
    }

    @Override
    public String toString() {
        return "volume " + volumeId + " at " + target + (pod.isEmpty() ? "" : " (pod " + pod + ")");
    }
}
