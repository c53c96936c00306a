package dev.spiffecsi.engine.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The libc calls of every publish and unpublish, bound with JNA's direct mapping: a native method per function,
 * called without the reflective proxy of an interface mapping ({@link LibC}), whose per-call cost is several times
 * that of the system call itself. Calls without {@code throws LastErrorException} report failure by their return
 * value; their errno is then {@link Native#getLastError()}.
 */
final class DirectLibC {

    static {
        NativeLibraries.setSearchPath();
        Native.register(DirectLibC.class, NativeLibrary.getInstance("c"));
    }

    private DirectLibC() {}

    static native int open(String path, int flags) throws LastErrorException;

    static native int openat(int dirfd, String path, int flags) throws LastErrorException;

    static native int mkdirat(int dirfd, String path, int mode) throws LastErrorException;

    static native int unlinkat(int dirfd, String path, int flags) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    /** statx(2); -1 and errno on failure (a missing path is the usual answer, not worth an exception). */
    static native int statx(int dirfd, String path, int flags, int mask, Pointer statxbuf);

    /** syscall(2) with openat2's arguments; -1 and errno on failure. */
    static native long syscall(long number, long dirfd, String path, Pointer how, long size);
}
