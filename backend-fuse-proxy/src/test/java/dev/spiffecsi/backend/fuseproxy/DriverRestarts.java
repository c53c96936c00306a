package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.spi.MountSyscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the kernel does to the FUSE filesystems of a driver process that dies, for the restart tests. */
final class DriverRestarts {

    private DriverRestarts() {}

    /**
     * Aborts the FUSE connection serving {@code target} through the fusectl filesystem, which is what the kernel does
     * when the last fd of the device closes: every access to the mount then fails with ENOTCONN.
     *
     * @param scratch a directory to mount fusectl below for the moment
     */
    static void abortFuseConnection(MountSyscalls mounts, Path target, Path scratch) throws IOException {
        Path control = Files.createTempDirectory(scratch, "fusectl");
        mounts.mount("fusectl", control, "fusectl", 0, null);
        try {
            long connection = mounts.stat(target).device() & 0xffffffffL; // the anonymous device's minor number
            Files.writeString(control.resolve(Long.toString(connection)).resolve("abort"), "1");
        } finally {
            mounts.umount2(control, MountSyscalls.UMOUNT_NOFOLLOW | MountSyscalls.MNT_DETACH);
        }
    }
}
