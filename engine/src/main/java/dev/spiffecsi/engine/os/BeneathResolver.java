package dev.spiffecsi.engine.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.MountSyscalls.ErrnoException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens the parent of a target path beneath a root directory (the kubelet pods directory) without following any
 * symlink below the root and without leaving it: openat2(2) with RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS and
 * RESOLVE_NO_MAGICLINKS, one system call whatever the depth. Where openat2 is missing (Linux before 5.6, ENOSYS) or
 * refused by a seccomp filter (EPERM, as some container runtimes' default profiles answer for calls they do not
 * know), the same result comes from a walk that opens one component at a time with O_NOFOLLOW. Both cross mount
 * points, as the kubelet's layout needs (a pod's volumes directory can be a mount).
 */
public final class BeneathResolver {

    private static final long SYS_OPENAT2 = 437; // the same on every architecture
    private static final long RESOLVE_NO_MAGICLINKS = 0x02;
    private static final long RESOLVE_NO_SYMLINKS = 0x04;
    private static final long RESOLVE_BENEATH = 0x08;
    private static final int OPEN_HOW_SIZE = 24; // struct open_how: flags, mode, resolve (three u64)
    private static final int EPERM = 1;
    private static final int EAGAIN = 11;
    private static final int ENOSYS = 38;
    /** openat2 answers EAGAIN when it cannot rule out a race; the walk is as good an answer then. */
    private static final int OPENAT2_ATTEMPTS = 3;

    /** openat2 where the kernel allows it, else the walk. */
    public static final BeneathResolver SYSTEM = new BeneathResolver(true, BeneathResolver::openat2);

    /** openat2(2) of a relative path beneath a directory: the descriptor, or the errno negated. */
    @FunctionalInterface
    interface Openat2 {
        int open(int dirfd, String path);
    }

    private static final int MAX_CACHED_ROOTS = 4;

    private final Openat2 openat2;
    private final ConcurrentHashMap<Path, Integer> roots = new ConcurrentHashMap<>();
    private volatile boolean useOpenat2;

    BeneathResolver(boolean useOpenat2, Openat2 openat2) {
        this.useOpenat2 = useOpenat2;
        this.openat2 = openat2;
    }

    /** A resolver that always walks, as on a kernel without openat2; for tests that compare both. */
    public static BeneathResolver walkOnly() {
        return new BeneathResolver(false, BeneathResolver::openat2);
    }

    /** Whether this resolver still uses openat2 (false once the kernel refused it). */
    public boolean usesOpenat2() {
        return useOpenat2;
    }

    /** See {@link MountSyscalls#resolveBeneath}. */
    public OpenedTarget resolve(Path root, Path target) throws ErrnoException {
        requireStrictlyBelow(root, target);
        Path parent = target.getParent();
        if (parent.equals(root)) {
            return new OpenedTarget(target, openRoot(root), target.getFileName().toString());
        }
        Path relative = root.relativize(parent);
        Integer cached = roots.get(root);
        if (cached != null) {
            try {
                return new OpenedTarget(
                        target,
                        openBeneath(cached, relative, target),
                        target.getFileName().toString());
            } catch (ErrnoException e) {
                if (e.errno() != MountSyscalls.ENOENT) {
                    throw e;
                }
                // the cached root may be a directory since deleted and made anew: try once more from a fresh one
            }
        }
        int rootFd = openRoot(root);
        boolean keep = false;
        try {
            OpenedTarget opened = new OpenedTarget(
                    target,
                    openBeneath(rootFd, relative, target),
                    target.getFileName().toString());
            // the first root is cached; a stale one (the retry found what it did not) is replaced, not closed: a
            // call in flight may still be using it. A parent missing from both is no reason to replace anything.
            keep = cached == null
                    ? roots.size() < MAX_CACHED_ROOTS && roots.putIfAbsent(root, rootFd) == null
                    : roots.replace(root, cached, rootFd);
            return opened;
        } finally {
            if (!keep) {
                OpenedTarget.closeQuietly(rootFd);
            }
        }
    }

    /**
     * The root's own descriptor, O_PATH, opened once and kept: every publish and unpublish resolves beneath the same
     * kubelet pods directory, and opening it each time cost two system calls of each. A cached descriptor is never
     * closed (a call in flight may be using it), so only a few roots are kept; tests make many.
     */
    private static int openRoot(Path root) throws ErrnoException {
        try {
            return DirectLibC.open(root.toString(), OpenFlags.DIRECTORY_HANDLE);
        } catch (LastErrorException e) {
            throw JnaMountSyscalls.errno("open", root, e);
        }
    }

    private int openBeneath(int rootFd, Path relative, Path target) throws ErrnoException {
        if (useOpenat2) {
            for (int attempt = 1; ; attempt++) {
                int fd = openat2.open(rootFd, relative.toString());
                if (fd >= 0) {
                    return fd;
                }
                int errno = -fd;
                if (errno == ENOSYS || errno == EPERM) {
                    useOpenat2 = false; // for good: the kernel or the seccomp profile will not change
                    break;
                }
                if (errno != EAGAIN || attempt == OPENAT2_ATTEMPTS) {
                    throw new ErrnoException("openat2", target.getParent(), errno, LibC.INSTANCE.strerror(errno));
                }
            }
        }
        return walk(rootFd, relative, target);
    }

    /** struct open_how for every call: read-only once filled, so one copy serves every thread. */
    private static final Memory OPEN_HOW = openHow();

    private static Memory openHow() {
        Memory how = new Memory(OPEN_HOW_SIZE);
        how.setLong(0, OpenFlags.DIRECTORY_HANDLE);
        how.setLong(8, 0);
        how.setLong(16, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        return how;
    }

    /** One openat2(2) call: the descriptor, or the errno negated. */
    private static int openat2(int dirfd, String path) {
        int fd = (int) DirectLibC.syscall(SYS_OPENAT2, dirfd, path, OPEN_HOW, OPEN_HOW_SIZE);
        return fd >= 0 ? fd : -Native.getLastError();
    }

    /**
     * Opens each component in the one before with O_NOFOLLOW. O_DIRECTORY makes a symlink fail with ENOTDIR;
     * it is reported as ELOOP, as openat2 reports it, after a look at what the component is.
     */
    private static int walk(int rootFd, Path relative, Path target) throws ErrnoException {
        int current = rootFd;
        Path reached = target.getRoot();
        try {
            for (Path component : relative) {
                String name = component.toString();
                reached = reached.resolve(name);
                int next;
                try {
                    next = DirectLibC.openat(current, name, OpenFlags.DIRECTORY_HANDLE_NOFOLLOW);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == MountSyscalls.ENOTDIR && isSymlink(current, name)) {
                        throw new ErrnoException(
                                "openat", reached, MountSyscalls.ELOOP, LibC.INSTANCE.strerror(MountSyscalls.ELOOP));
                    }
                    throw JnaMountSyscalls.errno("openat", reached, e);
                }
                if (current != rootFd) {
                    OpenedTarget.closeQuietly(current);
                }
                current = next;
            }
            int opened = current;
            current = rootFd; // handed over: not closed below
            return opened;
        } finally {
            if (current != rootFd) {
                OpenedTarget.closeQuietly(current);
            }
        }
    }

    private static boolean isSymlink(int dirfd, String name) {
        try (Memory buffer = new Memory(256)) {
            buffer.clear();
            if (DirectLibC.statx(dirfd, name, OpenFlags.AT_SYMLINK_NOFOLLOW, 1 /* STATX_TYPE */, buffer) != 0) {
                return false;
            }
            return (buffer.getShort(28) & 0170000) == 0120000; // stx_mode at offset 28
        }
    }

    private static void requireStrictlyBelow(Path root, Path target) {
        if (!root.isAbsolute()
                || !target.isAbsolute()
                || !root.normalize().equals(root)
                || !target.normalize().equals(target)
                || !target.startsWith(root)
                || target.getNameCount() <= root.getNameCount()) {
            throw new IllegalArgumentException(target + " is not a normalized path strictly below " + root);
        }
    }
}
