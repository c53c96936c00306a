package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.fuse.FuseMount;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Whether a pod can use a volume served again after a driver restart: some of its containers may still see the mount
 * of the driver process that died (their volume mount receives no propagation) and get ENOTCONN. The dead mounts are
 * noted before the new mount is stacked on them ({@link #deadMountsAt}); each condition asks whether a container
 * still sees one ({@link #stillOrphaned}), which is logged once while it lasts and once when it ends.
 */
final class OrphanReporter {

    private final Path ownMountTable;
    private final OrphanedMountHolders holders;
    private final System.Logger log;

    /** @param proc where the mount tables of this process and of every other one are: /proc, or a copy in tests */
    OrphanReporter(Path proc, Clock clock, System.Logger log) {
        this.ownMountTable = proc.resolve("self/mountinfo");
        this.holders = new OrphanedMountHolders(proc, clock);
        this.log = log;
    }

    /**
     * This driver's dead mounts at the volume's target, before a new one is stacked on them; empty when there are none,
     * or when the mount table cannot be read (logged: containers that still see one then go unreported).
     *
     * @param pod the pod the volume is for, as the messages name it
     */
    Optional<DeadMounts> deadMountsAt(VolumeLabel volume, String pod) {
        try {
            Set<String> devices = MountTable.at(MountTable.read(ownMountTable), volume.target()).stream()
                    .filter(entry -> entry.fsType().equals(FuseMount.FS_TYPE))
                    .map(MountTable.Entry::device)
                    .collect(Collectors.toSet());
            return devices.isEmpty() ? Optional.empty() : Optional.of(new DeadMounts(devices, volume, pod));
        } catch (IOException e) {
            log.log(
                    Level.WARNING,
                    volume + ": cannot read the mount table (" + e.getMessage() + "); containers that "
                            + "still see the dead mount will not be reported");
            return Optional.empty();
        }
    }

    /**
     * Why the pod cannot use the volume although it is served again: which of its containers still see a dead mount
     * below it. Empty once none does (the pod was recreated); the dead mounts are forgotten then.
     *
     * @param allDevices the dead mounts' devices of every target, so that one scan of the processes answers for
     *                   all the targets the kubelet polls; asked only when this target has dead mounts
     */
    Optional<String> stillOrphaned(TargetRecord target, Supplier<Set<String>> allDevices) {
        Optional<DeadMounts> below = target.deadMounts();
        if (below.isEmpty()) {
            return Optional.empty();
        }
        DeadMounts dead = below.get();
        Map<String, List<OrphanedMountHolders.Holder>> found = holders.holders(allDevices.get());
        List<OrphanedMountHolders.Holder> seeing = dead.devices().stream()
                .flatMap(device -> found.getOrDefault(device, List.of()).stream())
                .toList();
        if (seeing.isEmpty()) {
            if (target.forgetDeadMounts(dead)) {
                log.log(
                        Level.INFO,
                        dead.volume() + ": no container of pod " + dead.pod() + " sees the dead FUSE "
                                + "mount of an earlier driver process any more");
            }
            return Optional.empty();
        }
        String problem = seeing.size() + " container(s) of pod " + dead.pod() + " still see the FUSE mount of a "
                + "driver process that is gone, and get ENOTCONN there (" + seeing + "): recreate the pod, or give its "
                + "volumeMount mountPropagation: HostToContainer so that it sees the volume served again";
        if (target.firstDeadMountsReport()) {
            log.log(Level.WARNING, dead.volume() + ": " + problem);
        }
        return Optional.of(problem);
    }
}
