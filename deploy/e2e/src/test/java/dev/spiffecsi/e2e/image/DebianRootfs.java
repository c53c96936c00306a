package dev.spiffecsi.e2e.image;

import dev.spiffecsi.e2e.support.Exec;
import dev.spiffecsi.e2e.support.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A minimal Debian root file system, standing in for the {@code debian:*-slim} base image: {@code debootstrap
 * --variant=minbase}, then slimmed as Debian's -slim images are (documentation but copyright files, manual pages,
 * info, locales and lintian overrides removed; apt's lists and downloaded packages dropped). Made once (about two
 * minutes, downloading from the Debian mirror) and kept in the cache directory for later runs.
 */
public final class DebianRootfs {

    private static final String MIRROR =
            Optional.ofNullable(System.getenv("SPIFFECSI_E2E_DEBIAN_MIRROR")).orElse("http://deb.debian.org/debian");
    private static final String COMPLETE = ".spiffe-csi-e2e-complete";
    /** What Debian's -slim images leave out (their dpkg path-exclude rules), and apt's caches. */
    private static final String SLIM = """
        set -eu
        cd "$1"
        find usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete
        find usr/share/doc -mindepth 1 -type d -empty -delete
        rm -rf usr/share/groff/* usr/share/info/* usr/share/linda/* usr/share/lintian/overrides/* \\
               usr/share/locale/* usr/share/man/*
        rm -rf var/lib/apt/lists/* var/cache/apt/*.bin var/cache/apt/archives/*.deb
        """;

    private DebianRootfs() {}

    /** The cached root file system of {@code suite}, made first when missing or incomplete. */
    public static Path ensure(Path cache, String suite) {
        Path rootfs = cache.resolve("debian-" + suite + "-minbase-slim");
        if (Files.exists(rootfs.resolve(COMPLETE))) {
            return rootfs;
        }
        ensureDebootstrap();
        Path partial = cache.resolve(rootfs.getFileName() + ".partial");
        Progress.log("making a Debian " + suite + " root file system (debootstrap --variant=minbase, once; cached in "
                + cache + ")");
        run(List.of("rm", "-rf", "--one-file-system", partial.toString(), rootfs.toString()), Duration.ofMinutes(1));
        run(List.of("debootstrap", "--variant=minbase", suite, partial.toString(), MIRROR), Duration.ofMinutes(15));
        run(List.of("bash", "-c", SLIM, "slim", partial.toString()), Duration.ofMinutes(1));
        try {
            Files.createFile(partial.resolve(COMPLETE));
            Files.move(partial, rootfs);
        } catch (IOException e) {
            throw new IllegalStateException("cannot complete " + rootfs + ": " + e.getMessage(), e);
        }
        return rootfs;
    }

    /** A copy of the cached root file system at {@code target} (which must not exist), for one image. */
    public static void copy(Path rootfs, Path target) {
        run(List.of("cp", "-a", rootfs.toString(), target.toString()), Duration.ofMinutes(2));
        try {
            Files.deleteIfExists(target.resolve(COMPLETE));
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove the cache marker from " + target, e);
        }
    }

    /** debootstrap is one Debian package; the tier installs it as the rig's up.sh installs its own. */
    private static void ensureDebootstrap() {
        if (Exec.run(List.of("sh", "-c", "command -v debootstrap"), Duration.ofSeconds(10))
                .ok()) {
            return;
        }
        Progress.log("installing debootstrap (apt-get)");
        Map<String, String> noninteractive = Map.of("DEBIAN_FRONTEND", "noninteractive");
        Exec.run(List.of("apt-get", "update", "-qq"), null, noninteractive, Duration.ofMinutes(5))
                .orThrow();
        Exec.run(
                        List.of("apt-get", "install", "-y", "-qq", "--no-install-recommends", "debootstrap"),
                        null,
                        noninteractive,
                        Duration.ofMinutes(5))
                .orThrow();
    }

    private static void run(List<String> command, Duration timeout) {
        Exec.run(command, timeout).orThrow();
    }
}
