package dev.spiffecsi.engine.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Pointer;

/**
 * The libc functions of the mount calls, statvfs and error messages, bound with JNA's interface mapping (varargs
 * syscall(2) needs it); errno arrives as {@link LastErrorException}. The path calls a publish and an unpublish make
 * several times each (statx, open, openat, mkdirat, unlinkat, close) are in {@link DirectLibC}.
 */
interface LibC extends Library {

    LibC INSTANCE = NativeLibraries.libc(LibC.class);

    int mount(String source, String target, String fsType, long flags, String data) throws LastErrorException;

    int umount2(String target, int flags) throws LastErrorException;

    int umask(int mask);

    int rmdir(String path) throws LastErrorException;

    /** syscall(2), for the mount API calls glibc has no wrapper for; pass every argument as a long or pointer. */
    long syscall(long number, Object... args) throws LastErrorException;

    int statvfs(String path, Pointer buf) throws LastErrorException;

    String strerror(int errnum);
}
