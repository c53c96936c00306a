package dev.spiffecsi.backend.fuseproxy.fuse;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The libc calls that speak to {@code /dev/fuse}, bound with JNA; errno arrives as {@link LastErrorException}.
 * {@code size_t}, {@code ssize_t} and {@code nfds_t} are mapped to {@code long}: the driver runs on LP64 Linux only.
 */
interface LibC extends Library {

    LibC INSTANCE = Native.load("c", LibC.class);

    int O_RDWR = 02;
    int O_NONBLOCK = 04000;
    int O_CLOEXEC = 02000000;
    int EFD_CLOEXEC = 02000000;

    int open(String path, int flags) throws LastErrorException;

    long read(int fd, Pointer buffer, long count) throws LastErrorException;

    long write(int fd, Pointer buffer, long count) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int poll(Pointer fds, long nfds, int timeoutMillis) throws LastErrorException;

    int eventfd(int initialValue, int flags) throws LastErrorException;

    String strerror(int errnum);
}
