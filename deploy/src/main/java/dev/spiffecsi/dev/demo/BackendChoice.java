package dev.spiffecsi.dev.demo;

import dev.spiffecsi.config.ConfigException;
import java.util.Optional;

/**
 * Which backend the demo runs, and where. The production backend, {@code bindmount}, is preferred when the
 * process may mount; its mounts must then stay off the host, so the demo runs them in a mount namespace of its
 * own: when it is not already in one, it starts itself again under {@code unshare --mount --propagation private}
 * (a running JVM cannot switch its own namespace: unshare(2) changes only the calling thread). Without the
 * privilege, or without unshare(1), the demo falls back to {@code symlink-dev}, which needs neither.
 *
 * @param backend            the backend name for the driver
 * @param relaunchPrivately  the demo must first start itself again in a private mount namespace
 * @param reason             why, for the user
 */
record BackendChoice(String backend, boolean relaunchPrivately, String reason) {

    static final String BINDMOUNT = "bindmount";
    static final String SYMLINK_DEV = "symlink-dev";

    /**
     * @param requested the {@code -backend} flag, if given
     * @throws ConfigException when {@code bindmount} is requested but cannot be run safely here
     */
    static BackendChoice decide(Optional<String> requested, MountPrivileges host) {
        if (requested.isPresent() && !requested.get().equals(BINDMOUNT)) {
            return new BackendChoice(requested.get(), false, "as requested");
        }
        boolean explicit = requested.isPresent();
        if (!host.canMount()) {
            return fallBack(explicit, "bindmount needs root (CAP_SYS_ADMIN)");
        }
        if (host.privateNamespace()) {
            return new BackendChoice(BINDMOUNT, false, "root, in a private mount namespace");
        }
        if (host.unshareAvailable()) {
            return new BackendChoice(BINDMOUNT, true,
                    "root; the mounts go into a private mount namespace (unshare), never the host's");
        }
        return fallBack(explicit, "bindmount would mount in the host's mount namespace and unshare(1), which "
                + "keeps the mounts private, is not on the PATH");
    }

    private static BackendChoice fallBack(boolean bindmountRequested, String why) {
        if (bindmountRequested) {
            throw new ConfigException("cannot run the demo with -backend bindmount: " + why
                    + "; use -backend symlink-dev");
        }
        return new BackendChoice(SYMLINK_DEV, false, why);
    }
}
