package dev.spiffecsi.spi.contract;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Guards for tests that mount for real. They run only as root with CAP_SYS_ADMIN and only inside a private mount
 * namespace ({@code unshare --mount --propagation private}), so that nothing they mount can leak to the host.
 */
public final class Privileges {

    private static final int CAP_SYS_ADMIN = 21;

    /** Set by .ci/run to the mount namespace it was started in, before it unshares a private one. */
    public static final String OUTER_NS_VARIABLE = "SPIFFECSI_OUTER_MOUNT_NS";

    private Privileges() {}

    /** Skips the calling test, with the reason, unless mounting is both possible and contained. */
    public static void assumeCanMountPrivately() {
        String why = whyNotMountable();
        assumeTrue(why == null, () -> "skipped: needs real mounts: " + why);
    }

    /** The namespace to compare with: init's when readable, else the one .ci/run recorded before unsharing. */
    private static String outerMountNamespace() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/1/ns/mnt")).toString();
        } catch (IOException | SecurityException e) {
            return System.getenv(OUTER_NS_VARIABLE);
        }
    }

    /** {@code null} when real mounts may be made here, else why not. */
    public static String whyNotMountable() {
        try {
            String status = Files.readString(Path.of("/proc/self/status"));
            long capEff = 0;
            for (String line : status.split("\n")) {
                if (line.startsWith("CapEff:")) {
                    capEff = Long.parseUnsignedLong(
                            line.substring("CapEff:".length()).trim(), 16);
                }
            }
            if ((capEff & (1L << CAP_SYS_ADMIN)) == 0) {
                return "the process lacks CAP_SYS_ADMIN (run as root)";
            }
            String own = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
            String outer = outerMountNamespace();
            if (outer == null) {
                return "cannot tell whether this is a private mount namespace: run the tests as .ci/run does ("
                        + OUTER_NS_VARIABLE + "=$(readlink /proc/self/ns/mnt) unshare --mount "
                        + "--propagation private ...)";
            }
            if (own.equals(outer)) {
                return "not inside a private mount namespace; run the tests under "
                        + "'unshare --mount --propagation private' (as .ci/run does)";
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return "cannot determine privileges: " + e;
        }
    }
}
