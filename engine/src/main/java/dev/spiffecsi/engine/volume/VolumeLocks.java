package dev.spiffecsi.engine.volume;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * At most one operation per volume id and per target path at a time. A second concurrent call is not queued
 * but refused (CSI's ABORTED, "operation pending"): the kubelet retries, and queueing would let retries pile up.
 */
public final class VolumeLocks {

    private final Set<String> held = ConcurrentHashMap.newKeySet();

    /** A held lock; close to release. */
    public final class Held implements AutoCloseable {
        private final String volumeKey;
        private final String pathKey;

        private Held(String volumeKey, String pathKey) {
            this.volumeKey = volumeKey;
            this.pathKey = pathKey;
        }

        @Override
        public void close() {
            held.remove(pathKey);
            held.remove(volumeKey);
        }
    }

    /**
     * @throws VolumeException OPERATION_PENDING when either is busy
     */
    public Held acquire(String volumeId, Path target) {
        String volumeKey = "volume:" + volumeId;
        String pathKey = "path:" + target;
        if (!held.add(volumeKey)) {
            throw pending(volumeId, target);
        }
        if (!held.add(pathKey)) {
            held.remove(volumeKey);
            throw pending(volumeId, target);
        }
        return new Held(volumeKey, pathKey);
    }

    /** How many locks are held now; for metrics and tests. */
    public int size() {
        return held.size();
    }

    private static VolumeException pending(String volumeId, Path target) {
        return new VolumeException(
                VolumeException.Reason.OPERATION_PENDING,
                "an operation for volume " + volumeId + " or target " + target + " is already in progress");
    }
}
