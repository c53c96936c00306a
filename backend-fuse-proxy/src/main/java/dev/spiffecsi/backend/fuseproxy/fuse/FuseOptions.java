package dev.spiffecsi.backend.fuseproxy.fuse;

import dev.spiffecsi.spi.MountSyscalls;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link FuseMount} mounts and unmounts.
 *
 * @param mounts             mount(2), umount2(2) and statx(2) in the driver's mount namespace
 * @param source             the mount's source, shown in /proc/self/mountinfo
 * @param unmountBusyTimeout how long {@link FuseMount#close} retries an unmount that fails with EBUSY before it
 *                           detaches the mount lazily
 * @param clock              the source of the file timestamps
 * @param logger             where the serving thread reports failures
 * @param targetsBeneath     the directory every mount target is resolved beneath, following no symlink below it
 *                           ({@link MountSyscalls#resolveBeneath}): the kubelet pods directory
 */
public record FuseOptions(
        MountSyscalls mounts,
        String source,
        Duration unmountBusyTimeout,
        Clock clock,
        System.Logger logger,
        Path targetsBeneath) {

    public static final String DEFAULT_SOURCE = "spiffe-csi";
    public static final Duration DEFAULT_UNMOUNT_BUSY_TIMEOUT = Duration.ofSeconds(1);

    public FuseOptions {
        Objects.requireNonNull(mounts, "mounts");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(unmountBusyTimeout, "unmountBusyTimeout");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(logger, "logger");
        Objects.requireNonNull(targetsBeneath, "targetsBeneath");
        if (source.isEmpty() || source.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("the mount source must be a non-empty word: '" + source + "'");
        }
        if (unmountBusyTimeout.isNegative()) {
            throw new IllegalArgumentException("negative unmountBusyTimeout: " + unmountBusyTimeout);
        }
    }

    /**
     * Targets resolved beneath the file system root: no symlink is followed anywhere in their path. For tests and
     * tools; the driver confines them to the kubelet pods directory.
     */
    public FuseOptions(
            MountSyscalls mounts, String source, Duration unmountBusyTimeout, Clock clock, System.Logger logger) {
        this(mounts, source, unmountBusyTimeout, clock, logger, Path.of("/"));
    }

    /** The default source and busy timeout, and the system clock; targets resolved beneath the file system root. */
    public static FuseOptions defaults(MountSyscalls mounts, System.Logger logger) {
        return new FuseOptions(mounts, DEFAULT_SOURCE, DEFAULT_UNMOUNT_BUSY_TIMEOUT, Clock.systemUTC(), logger);
    }
}
