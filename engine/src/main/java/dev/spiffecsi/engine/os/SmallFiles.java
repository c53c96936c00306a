package dev.spiffecsi.engine.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads a small regular file without trusting what is at its path: opened with {@code O_NOFOLLOW} (a symlink is
 * refused, not followed) and {@code O_NONBLOCK} (a FIFO or a device cannot block the reader in open or read), then
 * checked, on the opened descriptor itself, to be a regular file within a size bound before a byte is read. The
 * JDK can do neither flag, which is why this goes through libc.
 */
public final class SmallFiles {

    /** Why a file was not read. */
    public static final class Refused extends IOException {
        public Refused(String message) {
            super(message);
        }
    }

    private static final int O_RDONLY = 0;
    private static final int O_NOCTTY = 0400;
    private static final int O_NONBLOCK = 04000;
    private static final int O_CLOEXEC = 02000000;
    private static final int ELOOP = 40;
    /** O_NOFOLLOW differs between architectures (asm-generic vs arm64's own fcntl.h). */
    private static final int O_NOFOLLOW =
            System.getProperty("os.arch", "").toLowerCase(Locale.ROOT).matches("aarch64|arm64") ? 0100000 : 0400000;

    private interface Calls extends Library {
        Calls INSTANCE = NativeLibraries.libc(Calls.class);

        int open(String path, int flags) throws LastErrorException;

        long read(int fd, byte[] buffer, long count) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private SmallFiles() {}

    /**
     * The content of {@code file}.
     *
     * @throws Refused if it is a symlink, not a regular file, or larger than {@code maxBytes}
     * @throws IOException if it cannot be opened or read
     */
    public static byte[] read(Path file, int maxBytes) throws IOException {
        int fd;
        try {
            fd = Calls.INSTANCE.open(file.toString(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ELOOP) {
                throw new Refused("it is a symlink");
            }
            throw new IOException("cannot open " + file + ": errno " + e.getErrorCode(), e);
        }
        try {
            // the descriptor's own attributes: what was opened, not whatever the path names by now
            BasicFileAttributes opened =
                    Files.readAttributes(Path.of("/proc/self/fd/" + fd), BasicFileAttributes.class);
            if (!opened.isRegularFile()) {
                throw new Refused("it is not a regular file");
            }
            if (opened.size() > maxBytes) {
                throw new Refused("it holds " + opened.size() + " bytes; the limit is " + maxBytes);
            }
            return readAll(fd, (int) opened.size(), maxBytes, file);
        } finally {
            try {
                Calls.INSTANCE.close(fd);
            } catch (LastErrorException ignored) {
                // a read-only descriptor: nothing is lost if close reports an error
            }
        }
    }

    /** Reads until end of file, also if the file grew since its size was taken, but never past {@code maxBytes}. */
    private static byte[] readAll(int fd, int expected, int maxBytes, Path file) throws IOException {
        byte[] content = new byte[0];
        byte[] chunk = new byte[Math.min(maxBytes + 1, Math.max(expected + 1, 4096))];
        while (true) {
            long n;
            try {
                n = Calls.INSTANCE.read(fd, chunk, chunk.length);
            } catch (LastErrorException e) {
                throw new IOException("cannot read " + file + ": errno " + e.getErrorCode(), e);
            }
            if (n <= 0) {
                return content;
            }
            if (content.length + n > maxBytes) {
                throw new Refused("it grew past " + maxBytes + " bytes while it was read");
            }
            int length = content.length;
            content = Arrays.copyOf(content, length + (int) n);
            System.arraycopy(chunk, 0, content, length, (int) n);
        }
    }
}
