package dev.spiffecsi.engine.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Pointer;

/** The few libc functions the engine needs, bound with JNA; errno arrives as {@link LastErrorException}. */
interface LibC extends Library {

    LibC INSTANCE = NativeLibraries.libc(LibC.class);

    int mount(String source, String target, String fsType, long flags, String data) throws LastErrorException;

    int umount2(String target, int flags) throws LastErrorException;

    int statx(int dirfd, String path, int flags, int mask, Pointer statxbuf) throws LastErrorException;

    int umask(int mask);

    int rmdir(String path) throws LastErrorException;

    int open(String path, int flags) throws LastErrorException;

    int openat(int dirfd, String path, int flags) throws LastErrorException;

    int mkdirat(int dirfd, String path, int mode) throws LastErrorException;

    int unlinkat(int dirfd, String path, int flags) throws LastErrorException;

    /** syscall(2), for the mount API calls glibc has no wrapper for; pass every argument as a long or pointer. */
    long syscall(long number, Object... args) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int statvfs(String path, Pointer buf) throws LastErrorException;

    String strerror(int errnum);
}
