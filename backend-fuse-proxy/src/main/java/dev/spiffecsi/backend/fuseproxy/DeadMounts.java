package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import java.util.Set;

/**
 * This driver's dead FUSE mounts at a target, left by earlier driver processes, that a new mount was stacked on:
 * containers whose volume mount receives no propagation keep seeing one of them.
 *
 * @param devices the dead mounts' devices, {@code major:minor}, as the mount tables of other processes show them
 * @param volume  the volume served on top of them, for the log lines
 * @param pod     the pod the volume is for, as the messages name it
 */
record DeadMounts(Set<String> devices, VolumeLabel volume, String pod) {

    DeadMounts {
        devices = Set.copyOf(devices);
    }
}
