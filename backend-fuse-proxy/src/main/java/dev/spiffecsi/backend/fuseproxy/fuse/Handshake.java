package dev.spiffecsi.backend.fuseproxy.fuse;

import dev.spiffecsi.backend.fuseproxy.fuse.wire.InHeader;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.InitIn;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.InitOut;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.Opcode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * FUSE_INIT, the first request of every connection: the kernel sends nothing else until it is answered. It is
 * done on the mounting thread, so that a refused handshake fails the mount rather than a pod's first access.
 */
final class Handshake {

    static final int MAJOR = 7;
    /** Linux 5.4. Older protocols used other sizes for several structs; the driver needs Linux 5.8 anyway. */
    static final int MIN_MINOR = 31;
    /** The newest protocol whose structs this layer was checked against. */
    static final int MAX_MINOR = 43;
    /**
     * The smallest the kernel allows (one page): nothing in this filesystem is ever written to (files are opened for
     * reading only, the socket carries no data through it), and the read buffer of every mount must hold a whole
     * WRITE request, so a larger cap would only cost memory per volume.
     */
    static final int MAX_WRITE = 4096;
    /**
     * The kernel refuses device reads smaller than FUSE_MIN_READ_BUFFER (8 KiB) or than a WRITE request (header,
     * fuse_write_in and max_write); every other request this filesystem can get (a name of at most 255 bytes, a
     * symlink target of at most 4 KiB) fits. An oversized SETXATTR is refused by the kernel itself (E2BIG).
     */
    static final int REQUEST_BUFFER_SIZE = 8192;
    /** Timestamps are kept to the nanosecond. */
    private static final int TIME_GRANULARITY = 1;

    private Handshake() {}

    /**
     * The reply to the kernel's INIT. Both sides then speak the lower minor version. A kernel with another major
     * version is refused rather than asked to retry with ours: Linux has only ever spoken major 7. No optional
     * capability is asked for (flags 0): the filesystem serves no file data, locks or ACLs.
     *
     * @throws FuseError EPROTO for a protocol older than 7.{@value #MIN_MINOR} or of another major version
     */
    static InitOut negotiate(InitIn in) throws FuseError {
        if (in.major() != MAJOR || in.minor() < MIN_MINOR) {
            throw new FuseError(Errno.EPROTO);
        }
        return new InitOut(MAJOR, Math.min(in.minor(), MAX_MINOR), in.maxReadahead(), 0, MAX_WRITE, TIME_GRANULARITY);
    }

    /**
     * Reads INIT from a freshly mounted connection and answers it.
     *
     * @return the protocol version agreed, such as "7.43"
     * @throws IOException if no INIT arrives within {@code timeout} or the kernel's version is refused (the
     *                     connection is then unusable)
     */
    static String perform(Connection connection, Duration timeout) throws IOException {
        ByteBuffer message = connection.receive((int) timeout.toMillis());
        if (message == null) {
            throw new IOException("the FUSE connection ended before its INIT request");
        }
        InHeader header = InHeader.peek(message);
        Reply reply = new Reply();
        if (header.opcode() != Opcode.INIT) {
            connection.send(reply.error(header.unique(), Errno.EIO));
            throw new IOException("the kernel sent " + Opcode.name(header.opcode()) + " before INIT");
        }
        InitIn in = InitIn.decode(FuseRequest.decode(header, message).payload());
        try {
            InitOut out = negotiate(in);
            out.encode(reply.begin());
            connection.send(reply.success(header.unique()));
            return out.major() + "." + out.minor();
        } catch (FuseError e) {
            connection.send(reply.error(header.unique(), e.errno()));
            throw new IOException("the kernel speaks FUSE " + in.major() + "." + in.minor() + "; this driver needs "
                    + MAJOR + "." + MIN_MINOR + " or later within major version " + MAJOR);
        }
    }
}
