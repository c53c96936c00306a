package dev.spiffecsi.backend.fuseproxy.volume;

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

    @Override
    public String toString() {
        return "volume " + volumeId + " at " + target + (pod.isEmpty() ? "" : " (pod " + pod + ")");
    }
}
