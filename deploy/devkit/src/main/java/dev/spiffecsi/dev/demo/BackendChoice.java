package dev.spiffecsi.dev.demo;

import dev.spiffecsi.backend.fuseproxy.FuseProxyProvider;
import dev.spiffecsi.config.ConfigException;
import java.util.Optional;
import java.util.Set;

/**
 * Which backend the demo runs, and where. The production backend, {@code bindmount}, is preferred when the
 * process may mount; its mounts must then stay off the host, so the demo runs them in a mount namespace of its
 * own: when it is not already in one, it starts itself again under {@code unshare --mount --propagation private}
 * (a running JVM cannot switch its own namespace: unshare(2) changes only the calling thread). Without the
 * privilege, or without unshare(1), the demo falls back to {@code symlink-dev}, which needs neither.
 *
 * <p>{@code fuse-proxy} mounts too (a FUSE filesystem per volume), so it is run under the same conditions, but only
 * on request: it is never the automatic choice.
 *
 * @param backend            the backend name for the driver
 * @param relaunchPrivately  the demo must first start itself again in a private mount namespace
 * @param reason             why, for the user
 */
record BackendChoice(String backend, boolean relaunchPrivately, String reason) {

    static final String BINDMOUNT = "bindmount";
    static final String SYMLINK_DEV = "symlink-dev";
    static final String FUSE_PROXY = FuseProxyProvider.NAME;

    private static final Set<String> MOUNTING = Set.of(BINDMOUNT, FUSE_PROXY);

    /**
     * @param requested the {@code -backend} flag, if given
     * @throws ConfigException when a backend that mounts is requested but cannot be run safely here
     */
    static BackendChoice decide(Optional<String> requested, MountPrivileges host) {
        if (requested.isPresent() && !MOUNTING.contains(requested.get())) {
            return new BackendChoice(requested.get(), false, "as requested");
        }
        String backend = requested.orElse(BINDMOUNT);
        if (!host.canMount()) {
            return fallBack(requested, backend + " needs root (CAP_SYS_ADMIN)");
        }
        if (host.privateNamespace()) {
            return new BackendChoice(backend, false, "root, in a private mount namespace");
        }
        if (host.unshareAvailable()) {
            return new BackendChoice(
                    backend, true, "root; the mounts go into a private mount namespace (unshare), never the host's");
        }
        return fallBack(
                requested,
                backend + " would mount in the host's mount namespace and unshare(1), which "
                        + "keeps the mounts private, is not on the PATH");
    }

    private static BackendChoice fallBack(Optional<String> requested, String why) {
        if (requested.isPresent()) {
            throw new ConfigException(
                    "cannot run the demo with -backend " + requested.get() + ": " + why + "; use -backend symlink-dev");
        }
        return new BackendChoice(SYMLINK_DEV, false, why);
    }
}
