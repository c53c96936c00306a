package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.files.PodFiles;
import dev.spiffecsi.backend.fuseproxy.server.VolumeServer;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.VolumeCondition;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What the kubelet is told of a target's volume: healthy while it is served and the pod can use it; abnormal, with
 * the first reason found, when a container still sees a dead mount, the agent is unreachable, the credential files
 * are missing, or nothing of this process serves the target.
 */
final class VolumeConditions {

    private final String socketName;
    private final AdminSocketProbe adminSocket;
    private final OrphanReporter orphans;
    private final MountSyscalls mounts;

    VolumeConditions(String socketName, AdminSocketProbe adminSocket, OrphanReporter orphans, MountSyscalls mounts) {
        this.socketName = socketName;
        this.adminSocket = adminSocket;
        this.orphans = orphans;
        this.mounts = mounts;
    }

    /**
     * @param record         what this backend knows of the target, if anything
     * @param allDeadDevices the dead mounts' devices of every target (see {@link OrphanReporter#stillOrphaned})
     */
    VolumeCondition of(Path target, Optional<TargetRecord> record, Supplier<Set<String>> allDeadDevices) {
        Optional<VolumeServer> served = record.flatMap(TargetRecord::liveServer);
        if (served.isPresent()) {
            return served(target, served.get(), record.get(), allDeadDevices);
        }
        return switch (TargetKind.of(target, mounts)) {
            case ORPHANED_MOUNT ->
                VolumeCondition.abnormal("the FUSE filesystem at " + target
                        + " lost its server (ENOTCONN: the driver process that served it is gone)"
                        + record.flatMap(TargetRecord::resumeFailure)
                                .map(why -> " and could not be served again: " + why)
                                .orElse("; it is served again when the driver starts"));
            case MISSING, EMPTY_DIRECTORY -> VolumeCondition.abnormal("nothing is published at " + target);
            case OCCUPIED -> VolumeCondition.abnormal(target + " holds a mount or files this driver does not serve");
        };
    }

    private VolumeCondition served(
            Path target, VolumeServer served, TargetRecord record, Supplier<Set<String>> allDeadDevices) {
        String what = served.servesSocket()
                ? "serving the Workload API at " + target.resolve(socketName)
                        + (served.files().isPresent() ? " and credential files" : "")
                : "serving credential files at " + target;
        Optional<String> problem = orphans.stillOrphaned(record, allDeadDevices)
                .or(() -> adminSocket
                        .whyUnreachable()
                        .map(unreachable -> "the SPIRE agent's admin socket is unreachable: " + unreachable))
                .or(() -> served.files().flatMap(PodFiles::problem));
        return problem.map(why -> VolumeCondition.abnormal(what + ", but " + why))
                .orElseGet(() -> VolumeCondition.healthy(what + " for the SPIRE agent at " + adminSocket.socket()));
    }
}
