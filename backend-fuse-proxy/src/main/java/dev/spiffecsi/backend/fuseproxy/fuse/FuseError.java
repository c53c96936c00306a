package dev.spiffecsi.backend.fuseproxy.fuse;

/**
 * A request the filesystem refuses: answered with {@code fuse_out_header.error = -errno}. An expected outcome,
 * not a fault, so it carries no stack trace.
 */
final class FuseError extends Exception {

    private final int errno;

    FuseError(int errno) {
        super("errno " + errno, null, false, false);
        this.errno = errno;
    }

    int errno() {
        return errno;
    }
}
