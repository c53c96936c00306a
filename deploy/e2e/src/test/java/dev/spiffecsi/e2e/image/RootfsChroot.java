package dev.spiffecsi.e2e.image;

import dev.spiffecsi.e2e.support.Exec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a command inside a root file system the way a Dockerfile's {@code RUN} runs in its image: chrooted, with
 * {@code /proc}, {@code /dev}, a fresh {@code /tmp} and read-only bind mounts (the {@code RUN --mount=type=bind} of
 * the Dockerfile) below that {@code /tmp}. All of it happens in a private mount namespace of its own, so the mounts
 * vanish with the command, and nothing of them stays in the image (the bind targets live in the discarded tmpfs).
 */
final class RootfsChroot {

    private static final String SCRIPT = """
        set -euo pipefail
        rootfs=$1; shift
        mount -t tmpfs -o mode=1777 tmpfs "$rootfs/tmp"
        mount -t proc proc "$rootfs/proc"
        mount --rbind /dev "$rootfs/dev"
        while [ "$1" != -- ]; do
          host=${1%%=*} inside=${1#*=}
          mkdir -p "$rootfs$inside"
          mount --bind "$host" "$rootfs$inside"
          mount -o remount,bind,ro "$rootfs$inside"
          shift
        done
        shift
        exec chroot "$rootfs" "$@"
        """;

    private RootfsChroot() {}

    /**
     * @param binds host directory to its path inside the root file system, which must be below {@code /tmp}
     * @param env   the command's environment (nothing else of this process's is passed)
     */
    static Exec.Result run(
            Path rootfs, Map<Path, String> binds, Map<String, String> env, List<String> command, Duration timeout) {
        List<String> args = new ArrayList<>(List.of(
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "bash",
                "-c",
                SCRIPT,
                "rootfs-chroot",
                rootfs.toString()));
        binds.forEach((host, inside) -> {
            if (!inside.startsWith("/tmp/")) {
                throw new IllegalArgumentException(
                        "bind target " + inside + " is not below /tmp: it would stay " + "in the image");
            }
            args.add(host + "=" + inside);
        });
        args.add("--");
        args.add("env");
        args.add("-i");
        args.add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.forEach((name, value) -> args.add(name + "=" + value));
        args.addAll(command);
        return Exec.run(args, timeout);
    }
}
