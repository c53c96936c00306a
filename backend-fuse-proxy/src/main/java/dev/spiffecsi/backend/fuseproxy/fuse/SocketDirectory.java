package dev.spiffecsi.backend.fuseproxy.fuse;

import dev.spiffecsi.backend.fuseproxy.fuse.wire.Attr;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.Dirent;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.Kstatfs;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.SetattrIn;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The whole filesystem: a root directory that can hold the Workload API socket under its configured name, which
 * bind(2) creates (MKNOD of an S_IFSOCK node) and unlink(2) removes, and the read-only files of {@link ServedFiles},
 * which only the driver changes, from another thread. Nothing else can be created. Names are compared as bytes, as
 * the kernel passes them. Confined to the serving thread.
 */
final class SocketDirectory {

    static final long ROOT_ID = 1; // FUSE_ROOT_ID
    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFSOCK = 0140000;
    private static final int PERMISSION_BITS = 07777;
    /** Owned by root like the mount (user_id=0): only the driver may add the socket, anyone may list and traverse. */
    private static final int ROOT_MODE = S_IFDIR | 0755;

    private static final int R_OK = 4;
    private static final int W_OK = 2;
    private static final int X_OK = 1;
    private static final byte[] DOT = {'.'};
    private static final byte[] DOT_DOT = {'.', '.'};

    /** Empty when the volume has no socket: nothing can be bound then. */
    private final byte[] socketName;

    private final ServedFiles files;
    private final Clock clock;
    private Instant rootChanged;
    private Socket socket;
    private long nextNodeId = ROOT_ID + 1;

    /** The socket node while it exists. */
    private record Socket(long nodeId, int mode, int uid, int gid, Instant created, Instant changed) {
        Attr attr() {
            return new Attr(nodeId, mode, 1, uid, gid, 0, created, created, changed);
        }
    }

    /** A directory for the socket alone. */
    SocketDirectory(String socketName, Clock clock) {
        this(Optional.of(socketName), new ServedFiles(clock), clock);
    }

    /**
     * @param socketName the one name the socket may have; empty for a volume without a socket
     * @param files      the read-only files beside it
     */
    SocketDirectory(Optional<String> socketName, ServedFiles files, Clock clock) {
        byte[] name = socketName.map(s -> s.getBytes(StandardCharsets.UTF_8)).orElse(new byte[0]);
        if (socketName.isPresent()
                && (name.length == 0
                        || name.length > Kstatfs.NAME_MAX
                        || socketName.get().indexOf('/') >= 0
                        || socketName.get().indexOf('\0') >= 0
                        || socketName.get().equals(".")
                        || socketName.get().equals(".."))) {
            throw new IllegalArgumentException("not a valid file name for the socket: '" + socketName.get() + "'");
        }
        this.socketName = name;
        this.files = files;
        this.clock = clock;
        this.rootChanged = clock.instant();
    }

    /** The socket's name is the socket's alone; any other name is one of the files, if it is anything. */
    Attr lookup(long parent, byte[] name) throws FuseError {
        requireDirectory(parent);
        if (socketName.length > 0 && Arrays.equals(name, socketName)) {
            if (socket == null) {
                throw new FuseError(Errno.ENOENT);
            }
            return socket.attr();
        }
        return files.lookup(name);
    }

    Attr attributes(long nodeId) throws FuseError {
        return attributes(nodeId, 0);
    }

    /** @param handle an open file's handle (fstat), or 0 */
    Attr attributes(long nodeId, long handle) throws FuseError {
        if (nodeId == ROOT_ID) {
            return rootAttr();
        }
        return ServedFiles.owns(nodeId)
                ? files.attributes(nodeId, handle)
                : socketNode(nodeId).attr();
    }

    ServedFiles files() {
        return files;
    }

    /** bind(2) of the socket: the only node that can be made, and only under the configured name. */
    Attr mknod(long parent, byte[] name, int mode, int uid, int gid) throws FuseError {
        requireDirectory(parent);
        if ((mode & S_IFMT) != S_IFSOCK || socketName.length == 0 || !Arrays.equals(name, socketName)) {
            throw new FuseError(Errno.EPERM);
        }
        if (socket != null) {
            throw new FuseError(Errno.EEXIST);
        }
        Instant now = clock.instant();
        socket = new Socket(nextNodeId++, S_IFSOCK | (mode & PERMISSION_BITS), uid, gid, now, now);
        rootChanged = now;
        return socket.attr();
    }

    void unlink(long parent, byte[] name) throws FuseError {
        requireDirectory(parent);
        if (socket == null || !Arrays.equals(name, socketName)) {
            // the files are the driver's to change, by replacing the set, never by unlink(2)
            throw new FuseError(
                    files.current()
                                    .get(new String(name, StandardCharsets.UTF_8))
                                    .isPresent()
                            ? Errno.EPERM
                            : Errno.ENOENT);
        }
        socket = null;
        rootChanged = clock.instant();
    }

    /**
     * chmod and chown of the socket, so that the driver can open it to the pod's user after bind(2) (which applies
     * the process umask). The root directory and every other attribute (times, size) are fixed: EPERM.
     */
    Attr setattr(long nodeId, SetattrIn change) throws FuseError {
        if (nodeId == ROOT_ID || ServedFiles.owns(nodeId)) {
            throw new FuseError(Errno.EPERM);
        }
        Socket node = socketNode(nodeId);
        int settable = SetattrIn.FATTR_MODE | SetattrIn.FATTR_UID | SetattrIn.FATTR_GID;
        if ((change.valid() & ~(settable | SetattrIn.FATTR_INFORMATIONAL)) != 0) {
            throw new FuseError(Errno.EPERM);
        }
        int valid = change.valid();
        socket = new Socket(
                node.nodeId(),
                (valid & SetattrIn.FATTR_MODE) != 0 ? S_IFSOCK | (change.mode() & PERMISSION_BITS) : node.mode(),
                (valid & SetattrIn.FATTR_UID) != 0 ? change.uid() : node.uid(),
                (valid & SetattrIn.FATTR_GID) != 0 ? change.gid() : node.gid(),
                node.created(),
                clock.instant());
        return socket.attr();
    }

    /** The root's entries in READDIR order; an entry's index + 1 is the offset that continues after it. */
    List<Dirent> list(long nodeId) throws FuseError {
        requireDirectory(nodeId);
        List<Dirent> entries = new ArrayList<>(3);
        entries.add(new Dirent(ROOT_ID, Dirent.DT_DIR, DOT));
        entries.add(new Dirent(ROOT_ID, Dirent.DT_DIR, DOT_DOT)); // the mount root is its own parent here
        if (socket != null) {
            entries.add(new Dirent(socket.nodeId(), Dirent.DT_SOCK, socketName));
        }
        entries.addAll(files.entries());
        return entries;
    }

    /** One inode in use per node; one free while the socket's place is empty. */
    Kstatfs statfs() {
        int inUse = 1 + (socket == null ? 0 : 1) + files.count();
        return new Kstatfs(inUse, socket == null && socketName.length > 0 ? 1 : 0);
    }

    /**
     * access(2), from the mode bits. The kernel only asks without {@code default_permissions}; then this is the
     * only check, so it must not answer yes blindly. Supplementary groups are not in the request: only the
     * caller's fsgid counts as its group.
     */
    void checkAccess(long nodeId, int mask, int uid, int gid) throws FuseError {
        Attr attr = attributes(nodeId);
        int mode = attr.mode();
        int granted;
        if (uid == 0) { // like CAP_DAC_OVERRIDE: everything, but execute only where some x bit is set or on a directory
            boolean executable = (mode & S_IFMT) == S_IFDIR || (mode & 0111) != 0;
            granted = R_OK | W_OK | (executable ? X_OK : 0);
        } else if (uid == attr.uid()) {
            granted = mode >> 6 & 7;
        } else if (gid == attr.gid()) {
            granted = mode >> 3 & 7;
        } else {
            granted = mode & 7;
        }
        if ((mask & (R_OK | W_OK | X_OK) & ~granted) != 0) {
            throw new FuseError(Errno.EACCES);
        }
    }

    private Attr rootAttr() {
        Instant changed = files.membershipChanged().isAfter(rootChanged) ? files.membershipChanged() : rootChanged;
        return new Attr(ROOT_ID, ROOT_MODE, 2, 0, 0, 0, changed, changed, changed);
    }

    private Socket socketNode(long nodeId) throws FuseError {
        if (socket == null || socket.nodeId() != nodeId) {
            throw new FuseError(Errno.ENOENT); // unlinked (the kernel may still hold it) or never made
        }
        return socket;
    }

    /** Only the root is a directory. */
    static void requireDirectory(long nodeId) throws FuseError {
        if (nodeId != ROOT_ID) {
            throw new FuseError(Errno.ENOTDIR);
        }
    }
}
