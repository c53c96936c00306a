package dev.spiffecsi.hostile;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spiffecsi.spi.contract.Privileges;

/**
 * Whether the tier may run here: it mounts for real, so only as root inside a private mount namespace. Otherwise it
 * skips with the reason, unless {@value #REQUIRE_ALL}=1 asks that no test skip (CI), which makes the skip a failure.
 */
final class TierGate {

    static final String REQUIRE_ALL = "SPIFFECSI_REQUIRE_ALL";

    private TierGate() {}

    static void requireRealMounts() {
        String why = Privileges.whyNotMountable();
        if (why == null) {
            return;
        }
        String message = "the hostile-input tier needs real mounts: " + why;
        if ("1".equals(System.getenv(REQUIRE_ALL))) {
            fail(message + "; " + REQUIRE_ALL + "=1 makes that a failure instead of a skip");
        }
        message = "skipped: " + message;
        System.out.println(message);
        assumeTrue(false, message);
    }
}
