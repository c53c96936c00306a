package dev.spiffecsi.dev.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.config.ConfigException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackendChoiceTest {

    private static final MountPrivileges UNPRIVILEGED = new MountPrivileges(false, false, true);
    private static final MountPrivileges ROOT_ON_THE_HOST = new MountPrivileges(true, false, true);
    private static final MountPrivileges ROOT_IN_PRIVATE_NAMESPACE = new MountPrivileges(true, true, true);
    private static final MountPrivileges ROOT_WITHOUT_UNSHARE = new MountPrivileges(true, false, false);

    @Test
    void rootInAPrivateMountNamespaceRunsBindmountRightHere() {
        BackendChoice choice = BackendChoice.decide(Optional.empty(), ROOT_IN_PRIVATE_NAMESPACE);

        assertEquals("bindmount", choice.backend());
        assertEquals(false, choice.relaunchPrivately());
    }

    @Test
    void rootOnTheHostRunsBindmountOnlyInAPrivateNamespace() {
        BackendChoice choice = BackendChoice.decide(Optional.empty(), ROOT_ON_THE_HOST);

        assertEquals("bindmount", choice.backend());
        assertEquals(true, choice.relaunchPrivately());
    }

    @Test
    void withoutThePrivilegeOrWithoutUnshareTheDemoFallsBackToSymlinkDev() {
        assertEquals(
                "symlink-dev",
                BackendChoice.decide(Optional.empty(), UNPRIVILEGED).backend());
        assertEquals(
                "symlink-dev",
                BackendChoice.decide(Optional.empty(), ROOT_WITHOUT_UNSHARE).backend());
    }

    @Test
    void bindmountAskedForWhereItCannotRunSafelyIsRefusedWithTheAlternative() {
        ConfigException e = assertThrows(
                ConfigException.class, () -> BackendChoice.decide(Optional.of("bindmount"), ROOT_WITHOUT_UNSHARE));

        assertTrue(e.getMessage().contains("-backend symlink-dev"), e.getMessage());
        assertThrows(ConfigException.class, () -> BackendChoice.decide(Optional.of("bindmount"), UNPRIVILEGED));
    }

    @Test
    void fuseProxyMountsTooSoItRunsOnlyOnRequestAndUnderTheConditionsOfBindmount() {
        BackendChoice onTheHost = BackendChoice.decide(Optional.of("fuse-proxy"), ROOT_ON_THE_HOST);
        BackendChoice inPrivate = BackendChoice.decide(Optional.of("fuse-proxy"), ROOT_IN_PRIVATE_NAMESPACE);
        ConfigException unprivileged = assertThrows(
                ConfigException.class, () -> BackendChoice.decide(Optional.of("fuse-proxy"), UNPRIVILEGED));

        assertEquals(
                new BackendChoice(
                        "fuse-proxy",
                        true,
                        "root; the mounts go into a private mount namespace (unshare), never the host's"),
                onTheHost);
        assertEquals("fuse-proxy", inPrivate.backend());
        assertEquals(false, inPrivate.relaunchPrivately());
        assertEquals(
                "cannot run the demo with -backend fuse-proxy: fuse-proxy needs root (CAP_SYS_ADMIN); use "
                        + "-backend symlink-dev",
                unprivileged.getMessage());
        assertThrows(
                ConfigException.class, () -> BackendChoice.decide(Optional.of("fuse-proxy"), ROOT_WITHOUT_UNSHARE));
    }

    @Test
    void anyOtherBackendIsTakenAsRequested() {
        BackendChoice choice = BackendChoice.decide(Optional.of("symlink-dev"), ROOT_ON_THE_HOST);

        assertEquals("symlink-dev", choice.backend());
        assertEquals(false, choice.relaunchPrivately());
    }
}
