package dev.spiffecsi.backend.fuseproxy.fuse;

import static dev.spiffecsi.backend.fuseproxy.fuse.Requests.buffer;
import static dev.spiffecsi.backend.fuseproxy.fuse.Requests.concat;
import static dev.spiffecsi.backend.fuseproxy.fuse.Requests.mknod;
import static dev.spiffecsi.backend.fuseproxy.fuse.Requests.name;
import static dev.spiffecsi.backend.fuseproxy.fuse.Requests.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.spiffecsi.backend.fuseproxy.fuse.wire.AttrOut;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.EntryOut;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.InHeader;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.Kstatfs;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.Opcode;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.OpenOut;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.ReadIn;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.SetattrIn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The filesystem's rules, request by request, without a kernel. */
class DispatcherTest {

    private static final int DRIVER_TID = 100;
    private static final int OTHER_TID = 200;
    private static final long ROOT = SocketDirectory.ROOT_ID;
    private static final String SOCKET = "spire-agent.sock";
    private static final Instant NOW = Instant.parse("2025-01-02T03:04:05.123456789Z");

    private final Dispatcher dispatcher =
            new Dispatcher(new SocketDirectory(SOCKET, Clock.fixed(NOW, ZoneOffset.UTC)), tid -> tid == DRIVER_TID);
    private final Reply reply = new Reply();

    private static byte[] readIn(long offset, int size) {
        return buffer(ReadIn.SIZE).putLong(8, offset).putInt(16, size).array();
    }

    private static byte[] setattr(int valid, int mode, int uid, int gid) {
        return buffer(SetattrIn.SIZE)
                .putInt(0, valid)
                .putInt(68, mode)
                .putInt(76, uid)
                .putInt(80, gid)
                .array();
    }

    /** The operation's output, or null when it takes no reply. */
    private ByteBuffer call(int opcode, long node, int uid, int tid, byte[] payload) throws FuseError {
        ByteBuffer message = request(1, opcode, node, uid, tid, payload);
        InHeader header = InHeader.peek(message);
        ByteBuffer out = reply.begin();
        if (!dispatcher.handle(FuseRequest.decode(header, message), out)) {
            return null;
        }
        return out.flip().position(Reply.HEADER_SIZE).slice().order(ByteOrder.nativeOrder());
    }

    private ByteBuffer call(int opcode, long node, byte[] payload) throws FuseError {
        return call(opcode, node, 0, DRIVER_TID, payload);
    }

    private int errno(int opcode, long node, int uid, int tid, byte[] payload) {
        return assertThrows(FuseError.class, () -> call(opcode, node, uid, tid, payload))
                .errno();
    }

    private int errno(int opcode, long node, byte[] payload) {
        return errno(opcode, node, 0, DRIVER_TID, payload);
    }

    private long bind() throws FuseError {
        return call(Opcode.MKNOD, ROOT, mknod(SocketDirectory.S_IFSOCK | 0755, SOCKET))
                .getLong(0);
    }

    private List<String> list(long offset, int size) throws FuseError {
        ByteBuffer out = call(Opcode.READDIR, ROOT, readIn(offset, size));
        List<String> names = new ArrayList<>();
        while (out.hasRemaining()) {
            int start = out.position();
            long ino = out.getLong();
            long next = out.getLong();
            int length = out.getInt();
            int type = out.getInt();
            byte[] bytes = new byte[length];
            out.get(bytes);
            names.add(new String(bytes, StandardCharsets.UTF_8) + ":" + ino + ":" + type + ":" + next);
            out.position(start + ((24 + length + 7) & ~7));
        }
        return names;
    }

    @Test
    void theRootIsAnEmptyRootOwnedDirectoryWhoseAttributesAreNeverCached() throws FuseError {
        ByteBuffer out = call(Opcode.GETATTR, ROOT, buffer(16).array());
        assertEquals(AttrOut.SIZE, out.remaining());
        assertEquals(0, out.getLong(0), "attr_valid");
        assertEquals(0, out.getInt(8), "attr_valid_nsec");
        assertEquals(ROOT, out.getLong(16), "ino");
        assertEquals(SocketDirectory.S_IFDIR | 0755, out.getInt(16 + 60), "mode");
        assertEquals(0, out.getInt(16 + 68), "uid");
        assertEquals(NOW.getEpochSecond(), out.getLong(16 + 32), "mtime");
        assertEquals(List.of(".:1:4:1", "..:1:4:2"), list(0, 4096));
        assertEquals(Errno.ENOENT, errno(Opcode.LOOKUP, ROOT, name(SOCKET)));
    }

    @Test
    void bindMakesTheSocketWithTheCallersIdentityAndLookupFindsIt() throws FuseError {
        ByteBuffer created = call(Opcode.MKNOD, ROOT, 1000, DRIVER_TID, mknod(SocketDirectory.S_IFSOCK | 0755, SOCKET));
        assertEquals(EntryOut.SIZE, created.remaining());
        long node = created.getLong(0);
        assertEquals(2, node);
        assertEquals(1, created.getLong(16), "entry_valid");
        assertEquals(SocketDirectory.S_IFSOCK | 0755, created.getInt(40 + 60));
        assertEquals(1000, created.getInt(40 + 68), "uid");

        ByteBuffer found = call(Opcode.LOOKUP, ROOT, name(SOCKET));
        assertEquals(node, found.getLong(0));
        assertEquals(node, found.getLong(40), "ino");
        assertEquals(List.of(".:1:4:1", "..:1:4:2", SOCKET + ":2:12:3"), list(0, 4096));
        assertEquals(Errno.EEXIST, errno(Opcode.MKNOD, ROOT, mknod(SocketDirectory.S_IFSOCK | 0755, SOCKET)));
    }

    @Test
    void nothingButTheSocketUnderItsNameCanBeMade() {
        assertEquals(Errno.EPERM, errno(Opcode.MKNOD, ROOT, mknod(0100644, SOCKET)), "regular file");
        assertEquals(Errno.EPERM, errno(Opcode.MKNOD, ROOT, mknod(0010644, SOCKET)), "fifo");
        assertEquals(Errno.EPERM, errno(Opcode.MKNOD, ROOT, mknod(SocketDirectory.S_IFSOCK | 0755, "other.sock")));
        assertEquals(Errno.EPERM, errno(Opcode.MKNOD, ROOT, mknod(SocketDirectory.S_IFSOCK | 0755, SOCKET + "x")));
        for (int opcode : new int[] {
            Opcode.MKDIR, Opcode.SYMLINK, Opcode.LINK, Opcode.CREATE, Opcode.TMPFILE, Opcode.RENAME, Opcode.RENAME2
        }) {
            assertEquals(Errno.EPERM, errno(opcode, ROOT, name("x")), Opcode.name(opcode));
        }
    }

    @Test
    void onlyTheDriversThreadsMayMakeRemoveOrChangeTheSocket() throws FuseError {
        byte[] socket = mknod(SocketDirectory.S_IFSOCK | 0755, SOCKET);
        assertEquals(Errno.EPERM, errno(Opcode.MKNOD, ROOT, 0, OTHER_TID, socket));
        assertEquals(Errno.EPERM, errno(Opcode.MKNOD, ROOT, 0, 0, socket), "outside the driver's pid namespace");
        long node = bind();
        assertEquals(Errno.EPERM, errno(Opcode.UNLINK, ROOT, 0, OTHER_TID, name(SOCKET)));
        assertEquals(Errno.EPERM, errno(Opcode.SETATTR, node, 0, OTHER_TID, setattr(SetattrIn.FATTR_MODE, 0777, 0, 0)));
        assertNotNull(call(Opcode.LOOKUP, ROOT, 0, OTHER_TID, name(SOCKET)), "everyone may look it up");
    }

    @Test
    void unlinkRemovesTheSocketAndANewOneGetsANewNodeId() throws FuseError {
        long first = bind();
        assertNotNull(call(Opcode.UNLINK, ROOT, name(SOCKET)));
        assertEquals(Errno.ENOENT, errno(Opcode.LOOKUP, ROOT, name(SOCKET)));
        assertEquals(Errno.ENOENT, errno(Opcode.GETATTR, first, buffer(16).array()), "the kernel may still hold it");
        assertEquals(Errno.ENOENT, errno(Opcode.UNLINK, ROOT, name(SOCKET)));
        assertEquals(first + 1, bind());
    }

    @Test
    void theSocketCanBeChmodedAndChownedButNothingElseChanges() throws FuseError {
        long node = bind();
        ByteBuffer changed = call(Opcode.SETATTR, node, setattr(SetattrIn.FATTR_MODE, 0666, 0, 0));
        assertEquals(SocketDirectory.S_IFSOCK | 0666, changed.getInt(16 + 60), "keeps its type");
        changed =
                call(Opcode.SETATTR, node, setattr(SetattrIn.FATTR_UID | SetattrIn.FATTR_GID | 1 << 6, 0, 1000, 2000));
        assertEquals(1000, changed.getInt(16 + 68));
        assertEquals(2000, changed.getInt(16 + 72));
        assertEquals(SocketDirectory.S_IFSOCK | 0666, changed.getInt(16 + 60));

        assertEquals(Errno.EPERM, errno(Opcode.SETATTR, node, setattr(1 << 5, 0, 0, 0)), "mtime");
        assertEquals(Errno.EPERM, errno(Opcode.SETATTR, node, setattr(1 << 3, 0, 0, 0)), "size");
        assertEquals(Errno.EPERM, errno(Opcode.SETATTR, ROOT, setattr(SetattrIn.FATTR_MODE, 0777, 0, 0)), "root");
    }

    @Test
    void readdirContinuesFromTheOffsetAndStopsAtTheRequestedSize() throws FuseError {
        bind();
        assertEquals(List.of(SOCKET + ":2:12:3"), list(2, 4096));
        assertEquals(List.of(), list(3, 4096));
        assertEquals(List.of(), list(-1, 4096), "u64 offsets past the end");
        assertEquals(List.of(".:1:4:1"), list(0, 63), "'.' takes 32 bytes, '..' another 32");
        assertEquals(List.of(), list(0, 31));
    }

    @Test
    void onlyTheRootIsADirectory() throws FuseError {
        long node = bind();
        assertEquals(OpenOut.SIZE, call(Opcode.OPENDIR, ROOT, buffer(8).array()).remaining());
        assertEquals(Errno.ENOTDIR, errno(Opcode.OPENDIR, node, buffer(8).array()));
        assertEquals(Errno.ENOTDIR, errno(Opcode.READDIR, node, readIn(0, 4096)));
        assertEquals(Errno.ENOTDIR, errno(Opcode.LOOKUP, node, name("x")));
        assertEquals(0, call(Opcode.RELEASEDIR, ROOT, buffer(24).array()).remaining());
    }

    @Test
    void statfsCountsTheOneFreeInode() throws FuseError {
        ByteBuffer empty = call(Opcode.STATFS, ROOT, new byte[0]);
        assertEquals(Kstatfs.SIZE, empty.remaining());
        assertEquals(1, empty.getLong(24));
        assertEquals(1, empty.getLong(32));
        bind();
        ByteBuffer full = call(Opcode.STATFS, ROOT, new byte[0]);
        assertEquals(2, full.getLong(24));
        assertEquals(0, full.getLong(32));
    }

    @Test
    void accessFollowsTheModeBits() throws FuseError {
        long node = bind(); // 0755, owned by uid 0
        byte[] write = buffer(8).putInt(0, 2).array();
        byte[] read = buffer(8).putInt(0, 4).array();
        assertNotNull(call(Opcode.ACCESS, node, 0, DRIVER_TID, write));
        assertNotNull(call(Opcode.ACCESS, node, 1000, OTHER_TID, read));
        assertEquals(Errno.EACCES, errno(Opcode.ACCESS, node, 1000, OTHER_TID, write));
        assertEquals(Errno.EACCES, errno(Opcode.ACCESS, ROOT, 1000, OTHER_TID, write));
    }

    @Test
    void forgetsAndInterruptsAreNotAnswered() throws FuseError {
        assertNull(call(Opcode.FORGET, 2, buffer(8).putLong(0, 1).array()));
        assertNull(call(
                Opcode.BATCH_FORGET,
                0,
                buffer(24).putInt(0, 1).putLong(8, 2).putLong(16, 1).array()));
        assertNull(call(Opcode.INTERRUPT, 0, buffer(8).putLong(0, 5).array()));
    }

    @Test
    void extendedAttributesAndEverythingElseAreNotImplemented() {
        assertEquals(Errno.ENOSYS, errno(Opcode.GETXATTR, ROOT, concat(buffer(8).array(), name("security.selinux"))));
        assertEquals(Errno.ENOSYS, errno(Opcode.LISTXATTR, ROOT, buffer(8).array()));
        assertEquals(Errno.ENOSYS, errno(Opcode.WRITE, ROOT, buffer(40).array()));
        assertEquals(Errno.ENOSYS, errno(52 /* STATX */, ROOT, buffer(24).array()));
        assertEquals(Errno.ENOSYS, errno(9999, ROOT, new byte[0]));
    }

    @Test
    void destroyIsAcknowledged() throws FuseError {
        assertEquals(0, call(Opcode.DESTROY, 0, new byte[0]).remaining());
    }

    @Test
    void badSocketNamesAreRefused() {
        for (String bad : new String[] {"", ".", "..", "a/b", "a\0b", "x".repeat(256)}) {
            assertThrows(IllegalArgumentException.class, () -> new SocketDirectory(bad, Clock.systemUTC()), bad);
        }
    }
}
