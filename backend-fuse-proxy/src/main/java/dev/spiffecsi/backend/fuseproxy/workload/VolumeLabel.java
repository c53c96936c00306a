package dev.spiffecsi.backend.fuseproxy.workload;

import java.nio.file.Path;

/** Names a published volume in log lines: every failure is logged with its volume id and target path. */
public record VolumeLabel(String volumeId, Path target) {

    @Override
    public String toString() {
        return "volume " + volumeId + " at " + target;
    }
}
