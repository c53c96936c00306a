package dev.spiffecsi.dev.demo;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this process may do with mounts.
 *
 * @param canMount         the process has CAP_SYS_ADMIN (in practice: it runs as root)
 * @param privateNamespace it runs in a mount namespace of its own, so its mounts cannot reach the host
 * @param unshareAvailable {@code unshare(1)} is on the PATH, to start a process in a private mount namespace
 */
public record MountPrivileges(boolean canMount, boolean privateNamespace, boolean unshareAvailable) {

    /**
     * The mount namespace the demo was started from, set for the process it starts inside a private one (and by
     * the test script): the comparison point when /proc/1 is not readable.
     */
    static final String OUTER_NAMESPACE_VARIABLE = "SPIFFECSI_OUTER_MOUNT_NS";

    private static final int CAP_SYS_ADMIN = 21;

    public static MountPrivileges detect() {
        return new MountPrivileges(hasCapSysAdmin(), inPrivateNamespace(), onPath("unshare"));
    }

    /** This process's mount namespace, e.g. {@code mnt:[4026531841]}. */
    static String ownNamespace() throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
    }

    private static boolean hasCapSysAdmin() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long effective = Long.parseUnsignedLong(
                            line.substring("CapEff:".length()).trim(), 16);
                    return (effective & (1L << CAP_SYS_ADMIN)) != 0;
                }
            }
            return false;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** Different from init's namespace (or, when that is unreadable, from the recorded outer one). */
    private static boolean inPrivateNamespace() {
        try {
            String outer;
            try {
                outer = Files.readSymbolicLink(Path.of("/proc/1/ns/mnt")).toString();
            } catch (IOException | SecurityException e) {
                outer = System.getenv(OUTER_NAMESPACE_VARIABLE);
            }
            return outer != null && !outer.equals(ownNamespace());
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String directory : path.split(File.pathSeparator)) {
            if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, program))) {
                return true;
            }
        }
        return false;
    }
}
