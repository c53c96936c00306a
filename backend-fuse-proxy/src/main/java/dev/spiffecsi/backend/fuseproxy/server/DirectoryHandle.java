package dev.spiffecsi.backend.fuseproxy.server;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.spiffecsi.spi.MountSyscalls.ErrnoException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A directory held open with O_PATH, reachable through the short alias {@code /proc/self/fd/<fd>}. A Unix socket
 * address holds at most 107 bytes, and a kubelet target path ({@code /var/lib/kubelet/pods/<uid>/volumes/
 * kubernetes.io~csi/<volume>/mount}) plus the socket name is often longer: bind(2) through the alias instead. The
 * handle pins the directory it was opened on, so the alias cannot come to mean another one while it is open.
 */
final class DirectoryHandle implements AutoCloseable {

    private interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int open(String path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        String strerror(int errnum);
    }

    private static final int O_DIRECTORY = 0200000;
    private static final int O_NOFOLLOW = 0400000;
    private static final int O_CLOEXEC = 02000000;
    private static final int O_PATH = 010000000;

    private final int fd;
    private boolean closed;

    private DirectoryHandle(int fd) {
        this.fd = fd;
    }

    /** Opens {@code directory}, which must be a directory and not a symlink. */
    static DirectoryHandle open(Path directory) throws IOException {
        try {
            return new DirectoryHandle(
                    LibC.INSTANCE.open(directory.toString(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        } catch (LastErrorException e) {
            throw new ErrnoException("open", directory, e.getErrorCode(), LibC.INSTANCE.strerror(e.getErrorCode()));
        }
    }

    /** {@code name} in the directory, by the short alias. Valid only while the handle is open. */
    Path alias(String name) {
        return Path.of("/proc/self/fd", Integer.toString(fd), name);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            LibC.INSTANCE.close(fd);
        } catch (LastErrorException e) {
            // Linux releases the fd even when close(2) reports an error; there is nothing to retry
        }
    }
}
