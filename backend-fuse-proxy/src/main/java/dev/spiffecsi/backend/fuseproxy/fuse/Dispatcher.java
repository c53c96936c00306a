package dev.spiffecsi.backend.fuseproxy.fuse;

import dev.spiffecsi.backend.fuseproxy.fuse.wire.AccessIn;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.Attr;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.AttrOut;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.Dirent;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.EntryOut;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.FileReadIn;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.GetattrIn;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.InHeader;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.MknodIn;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.Opcode;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.OpenIn;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.OpenOut;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.ReadIn;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.SetattrIn;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Answers one request from the {@link SocketDirectory}: decodes the operation's input, applies it, encodes the
 * output. Decides which operations exist and who may change the directory. Regular files are opened for reading
 * only, with direct I/O, each open a snapshot ({@link ServedFiles}).
 */
final class Dispatcher {

    /**
     * The root's attributes are never cached, so each stat(2) of the mount point is a round trip to this server
     * and a mount whose server is gone answers ENOTCONN ({@link FuseMount#isDisconnected}).
     */
    private static final Duration ROOT_VALIDITY = Duration.ZERO;
    /**
     * Every change to the socket's entry passes through this mount, so the kernel's copy is never stale; caching
     * spares a round trip on each connect(2).
     */
    private static final Duration SOCKET_VALIDITY = Duration.ofSeconds(1);
    /**
     * A file's name and attributes are never cached: it may appear, go or change (size, mtime) at any rotation, and
     * each lookup and stat must see the set served now.
     */
    private static final Duration FILE_VALIDITY = Duration.ZERO;

    private final SocketDirectory directory;
    private final IntPredicate ownThread;

    /**
     * @param ownThread whether a caller's thread id ({@code fuse_in_header.pid}) is one of the driver's threads,
     *                  which alone may make, remove or change the socket
     */
    Dispatcher(SocketDirectory directory, IntPredicate ownThread) {
        this.directory = directory;
        this.ownThread = ownThread;
    }

    /**
     * Handles {@code request}, writing the operation's output to {@code out}.
     *
     * @return whether to reply: FORGET, BATCH_FORGET and INTERRUPT take none
     * @throws FuseError to reply with that errno
     */
    boolean handle(FuseRequest request, ByteBuffer out) throws FuseError {
        InHeader header = request.header();
        long node = header.nodeId();
        ByteBuffer in = request.payload();
        switch (header.opcode()) {
            case Opcode.LOOKUP -> entry(directory.lookup(node, request.name()), out);
            case Opcode.GETATTR ->
                attr(directory.attributes(node, GetattrIn.decode(in).handle()), out);
            case Opcode.SETATTR -> {
                requireDriver(header);
                attr(directory.setattr(node, SetattrIn.decode(in)), out);
            }
            case Opcode.MKNOD -> {
                requireDriver(header);
                MknodIn mknod = MknodIn.decode(in);
                entry(directory.mknod(node, request.name(), mknod.mode(), header.uid(), header.gid()), out);
            }
            case Opcode.UNLINK -> {
                requireDriver(header);
                directory.unlink(node, request.name());
            }
            // the socket is the only entry there may be, and it stays under its own name
            case Opcode.MKDIR,
                    Opcode.SYMLINK,
                    Opcode.LINK,
                    Opcode.CREATE,
                    Opcode.TMPFILE,
                    Opcode.RENAME,
                    Opcode.RENAME2 -> throw new FuseError(Errno.EPERM);
            case Opcode.OPENDIR -> {
                SocketDirectory.requireDirectory(node);
                OpenOut.encode(out);
            }
            case Opcode.READDIR -> readdir(directory.list(node), ReadIn.decode(in), out);
            case Opcode.OPEN ->
                OpenOut.encode(
                        out, directory.files().open(node, OpenIn.decode(in).flags()), OpenOut.FOPEN_DIRECT_IO);
            case Opcode.READ -> {
                FileReadIn read = FileReadIn.decodeRead(in);
                directory.files().read(read.handle(), read.offset(), Math.min(read.size(), out.remaining()), out);
            }
            case Opcode.RELEASE -> directory.files().release(FileReadIn.decodeHandle(in));
            case Opcode.FLUSH -> {
                // close(2) of a file: nothing was written, nothing to flush
            }
            case Opcode.RELEASEDIR, Opcode.DESTROY -> {
                // nothing held per open directory or per connection
            }
            case Opcode.STATFS -> directory.statfs().encode(out);
            case Opcode.ACCESS ->
                directory.checkAccess(node, AccessIn.decode(in).mask(), header.uid(), header.gid());
            case Opcode.FORGET, Opcode.BATCH_FORGET, Opcode.INTERRUPT -> {
                // no state per kernel lookup to release; every request is answered before the next is read, so an
                // interrupt always comes too late to matter
                return false;
            }
            // no extended attributes: after ENOSYS the kernel stops asking and answers EOPNOTSUPP itself (including
            // to the security.* queries of LSMs)
            case Opcode.GETXATTR, Opcode.LISTXATTR -> throw new FuseError(Errno.ENOSYS);
            default -> throw new FuseError(Errno.ENOSYS);
        }
        return true;
    }

    /**
     * The room the reply's output needs beyond the usual small structs: a READ returns up to the requested number of
     * the file's bytes.
     */
    int payloadSize(FuseRequest request) {
        if (request.header().opcode() != Opcode.READ) {
            return 0;
        }
        FileReadIn read = FileReadIn.decodeRead(request.payload());
        return directory.files().readable(read.handle(), read.offset(), read.size());
    }

    /** Whether the reply to {@code request} carried secret bytes, which must not stay in the reply buffer. */
    boolean carriesSecret(FuseRequest request) {
        return request.header().opcode() == Opcode.READ
                && directory
                        .files()
                        .isSecret(FileReadIn.decodeRead(request.payload()).handle());
    }

    private void requireDriver(InHeader header) throws FuseError {
        if (!ownThread.test(header.pid())) {
            throw new FuseError(Errno.EPERM);
        }
    }

    private static void entry(Attr attr, ByteBuffer out) {
        Duration validity = validity(attr.ino());
        new EntryOut(attr.ino(), validity, validity, attr).encode(out);
    }

    private static void attr(Attr attr, ByteBuffer out) {
        new AttrOut(validity(attr.ino()), attr).encode(out);
    }

    private static Duration validity(long nodeId) {
        if (nodeId == SocketDirectory.ROOT_ID) {
            return ROOT_VALIDITY;
        }
        return ServedFiles.owns(nodeId) ? FILE_VALIDITY : SOCKET_VALIDITY;
    }

    /** Entries from the requested offset on, as many as fit in the requested size. */
    private static void readdir(List<Dirent> entries, ReadIn read, ByteBuffer out) {
        int limit = out.position() + (int) Math.min(Integer.toUnsignedLong(read.size()), out.remaining());
        long offset = read.offset(); // a u64: anything past the end means the listing is complete
        int first = offset >= 0 && offset < entries.size() ? (int) offset : entries.size();
        for (int i = first; i < entries.size(); i++) {
            Dirent entry = entries.get(i);
            if (out.position() + entry.size() > limit) {
                return;
            }
            entry.encode(out, i + 1);
        }
    }
}
