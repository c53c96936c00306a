package dev.spiffecsi.engine.os;

import com.sun.jna.LastErrorException;
import dev.spiffecsi.spi.MountSyscalls.ErrnoException;
import dev.spiffecsi.spi.ResolvedTarget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's {@link ResolvedTarget}: the descriptor of the target's parent, opened by {@link BeneathResolver}, and
 * the descriptors {@link #openDirectory} opened, all closed together. The engine creates and removes the target
 * directory through it with mkdirat(2) and unlinkat(2), so that neither can land outside the parent it resolved.
 */
public final class OpenedTarget implements ResolvedTarget {

    private static final int EEXIST = 17;

    private final Path path;
    private final int parentFd;
    private final String name;
    private final List<Integer> directoryFds = new ArrayList<>(1);
    private boolean closed;

    OpenedTarget(Path path, int parentFd, String name) {
        this.path = path;
        this.parentFd = parentFd;
        this.name = name;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public synchronized Path parent() {
        return alias(requireOpen());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Path openDirectory() throws ErrnoException {
        return alias(openDirectoryDescriptor());
    }

    /** {@link #openDirectory}, as the descriptor, for the *at and move_mount calls of this package. */
    synchronized int openDirectoryDescriptor() throws ErrnoException {
        int parent = requireOpen();
        int fd;
        try {
            fd = DirectLibC.openat(parent, name, OpenFlags.DIRECTORY_HANDLE_NOFOLLOW);
        } catch (LastErrorException e) {
            throw JnaMountSyscalls.errno("openat", path, e);
        }
        directoryFds.add(fd);
        return fd;
    }

    /**
     * Creates the target directory with {@code mode} (less the umask) in the held parent.
     *
     * @return false if something already has the target's name (what, the caller must check without following it)
     */
    public synchronized boolean makeDirectory(int mode) throws ErrnoException {
        try {
            DirectLibC.mkdirat(requireOpen(), name, mode);
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == EEXIST) {
                return false;
            }
            throw JnaMountSyscalls.errno("mkdirat", path, e);
        }
    }

    /** Removes the target from the held parent if it is an empty directory (see {@link EmptyDirectory}). */
    public synchronized EmptyDirectory.Outcome removeEmptyDirectory() throws ErrnoException {
        return EmptyDirectory.removeAt(requireOpen(), name, path);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        directoryFds.forEach(OpenedTarget::closeQuietly);
        directoryFds.clear();
        closeQuietly(parentFd);
    }

    private int requireOpen() {
        if (closed) {
            // a closed descriptor's number may already name another file: never hand out its alias
            throw new IllegalStateException("the resolved target " + path + " is closed");
        }
        return parentFd;
    }

    private static Path alias(int fd) {
        return Path.of("/proc/self/fd/" + fd);
    }

    static void closeQuietly(int fd) {
        try {
            DirectLibC.close(fd);
        } catch (LastErrorException e) {
            // Linux releases the descriptor even when close(2) reports an error; there is nothing to retry
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
