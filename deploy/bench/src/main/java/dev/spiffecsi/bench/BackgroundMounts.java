package dev.spiffecsi.bench;

import dev.spiffecsi.dev.demo.Leftovers;
import dev.spiffecsi.spi.MountSyscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Unrelated mounts that fill the mount table the way a busy node's does (every pod brings a few): {@code count}
 * directories below a fresh temporary directory, each bind-mounted onto itself, in the current mount namespace.
 *
 * <p>The temporary directory is made a private mount first, so that none of them propagates to another mount
 * namespace even when the current one shares mounts with the host; closing detaches that one mount, which takes
 * every mount below it along, and deletes the directories.
 */
public final class BackgroundMounts implements AutoCloseable {

    private final MountSyscalls mounts;
    private final Path base;
    private int created;
    private boolean baseMounted;
    private boolean closed;

    private BackgroundMounts(MountSyscalls mounts, Path base) {
        this.mounts = mounts;
        this.base = base;
    }

    /**
     * Creates {@code count} bind mounts (none when 0, without touching the mount table).
     *
     * @throws IOException when a mount fails (needs CAP_SYS_ADMIN); those already made are removed again
     */
    public static BackgroundMounts create(int count, MountSyscalls mounts) throws IOException {
        BackgroundMounts background = new BackgroundMounts(mounts, Files.createTempDirectory("spiffecsi-bench-mounts"));
        if (count == 0) {
            return background;
        }
        try {
            mounts.mount(background.base.toString(), background.base, null, MountSyscalls.MS_BIND, null);
            background.baseMounted = true;
            mounts.mount(null, background.base, null, MountSyscalls.MS_PRIVATE, null);
            for (int i = 0; i < count; i++) {
                Path directory = Files.createDirectory(background.base.resolve(Integer.toString(i)));
                mounts.mount(directory.toString(), directory, null, MountSyscalls.MS_BIND, null);
                background.created++;
            }
        } catch (IOException | RuntimeException e) {
            try {
                background.close();
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return background;
    }

    /** The directory every mount is below. */
    public Path base() {
        return base;
    }

    /** How many unrelated mounts were made (the private mount of the base directory not counted). */
    public synchronized int count() {
        return created;
    }

    /** Mounts at or below the base directory that the kernel still lists; empty once closed. */
    public List<Path> remaining() throws IOException {
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        return Leftovers.mountsBelow(base);
    }

    /** Detaches every mount and deletes the directories; idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        if (baseMounted) {
            mounts.umount2(base, MountSyscalls.MNT_DETACH | MountSyscalls.UMOUNT_NOFOLLOW);
            baseMounted = false;
        }
        List<Path> left = remaining();
        if (!left.isEmpty()) {
            throw new IOException("mounts remain below " + base + " after detaching it: " + left.size());
        }
        try (var directories = Files.list(base)) {
            for (Path directory : (Iterable<Path>) directories::iterator) {
                Files.delete(directory);
            }
        }
        Files.delete(base);
        closed = true;
    }
}
