package dev.spiffecsi.backend.fuseproxy.fuse;

/** The Linux errno values this layer produces or reacts to (asm-generic/errno-base.h, errno.h). */
final class Errno {

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EEXIST = 17;
    static final int ENODEV = 19;
    static final int ENOTDIR = 20;
    static final int EMFILE = 24;
    static final int EROFS = 30;
    static final int ENOSYS = 38;
    static final int EPROTO = 71;
    static final int ECONNABORTED = 103;

    private Errno() {}
}
