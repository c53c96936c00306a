package dev.spiffecsi.dev.kubelet;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where the kubelet puts a CSI ephemeral inline volume and what it calls it: the target path
 * {@code <pods>/<pod uid>/volumes/kubernetes.io~csi/<volume name>/mount}, and the volume id {@code csi-} followed
 * by the hex SHA-256 of the pod uid and the volume name, so that every pod volume has its own id.
 */
public final class PodVolumeLayout {

    private final Path podsDir;

    public PodVolumeLayout(Path podsDir) {
        this.podsDir = podsDir;
    }

    public Path targetPath(Pod pod) {
        return podsDir.resolve(pod.uid())
                .resolve("volumes")
                .resolve("kubernetes.io~csi")
                .resolve(pod.volumeName())
                .resolve("mount");
    }

    public String volumeId(Pod pod) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((pod.uid() + pod.volumeName()).getBytes(StandardCharsets.UTF_8));
            return "csi-" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
