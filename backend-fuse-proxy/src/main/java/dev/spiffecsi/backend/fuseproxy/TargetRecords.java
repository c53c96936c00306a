package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.server.VolumeServer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/** The one map of what this process knows of each target, from its first publish or resume to its unpublish. */
final class TargetRecords {

    private final Map<Path, TargetRecord> records = new ConcurrentHashMap<>();

    Optional<TargetRecord> find(Path target) {
        return Optional.ofNullable(records.get(target));
    }

    /** The target's record, a new and empty one if nothing was known of it. */
    TargetRecord of(Path target) {
        return records.computeIfAbsent(target, unknown -> new TargetRecord());
    }

    boolean isServed(Path target) {
        return find(target).filter(TargetRecord::isServed).isPresent();
    }

    void forget(Path target) {
        records.remove(target);
    }

    /** The devices of every target's dead mounts, for one scan of the processes that answers for all targets. */
    Set<String> allDeadDevices() {
        return records.values().stream()
                .flatMap(record -> record.deadMounts().stream())
                .flatMap(dead -> dead.devices().stream())
                .collect(Collectors.toSet());
    }

    /** Stops every server without unmounting it, and forgets every target: the process is ending. */
    void abandonAll() {
        records.values().forEach(record -> record.takeServer().ifPresent(VolumeServer::abandon));
        records.clear();
    }
}
