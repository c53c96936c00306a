package dev.spiffecsi.engine.os;

import com.sun.jna.LastErrorException;
import dev.spiffecsi.spi.MountSyscalls.ErrnoException;
import java.nio.file.Path;

/**
 * Removes a directory only if it is an empty directory, with one rmdir(2): the kernel refuses a file, a symlink
 * and a directory with content, so nothing else can be deleted by mistake. The JDK's Files.delete would first
 * lstat the path to choose between unlink and rmdir, and could unlink a file.
 */
public final class EmptyDirectory {

    private static final int ENOENT = 2;
    private static final int ENOTDIR = 20;
    private static final int ENOTEMPTY = 39;

    /** What became of the path. */
    public enum Outcome {
        REMOVED,
        MISSING,
        NOT_A_DIRECTORY,
        NOT_EMPTY
    }

    private EmptyDirectory() {}

    /** @throws ErrnoException for any other error (EBUSY for a mount point, EACCES, ...) */
    public static Outcome remove(Path directory) throws ErrnoException {
        try {
            LibC.INSTANCE.rmdir(directory.toString());
            return Outcome.REMOVED;
        } catch (LastErrorException e) {
            return outcome("rmdir", directory, e);
        }
    }

    /**
     * {@link #remove}, of {@code name} in the directory {@code dirfd}, with unlinkat(2) and AT_REMOVEDIR: the same
     * rmdir semantics, without looking the parent up again by its path.
     *
     * @param path the path {@code name} stands for, for messages
     */
    static Outcome removeAt(int dirfd, String name, Path path) throws ErrnoException {
        try {
            DirectLibC.unlinkat(dirfd, name, OpenFlags.AT_REMOVEDIR);
            return Outcome.REMOVED;
        } catch (LastErrorException e) {
            return outcome("unlinkat", path, e);
        }
    }

    private static Outcome outcome(String call, Path path, LastErrorException e) throws ErrnoException {
        return switch (e.getErrorCode()) {
            case ENOENT -> Outcome.MISSING;
            case ENOTDIR -> Outcome.NOT_A_DIRECTORY;
            case ENOTEMPTY -> Outcome.NOT_EMPTY;
            default -> throw JnaMountSyscalls.errno(call, path, e);
        };
    }
}
