package dev.spiffecsi.backend.fuseproxy.fuse;

import dev.spiffecsi.backend.fuseproxy.fuse.wire.Attr;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.Dirent;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.OpenIn;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The read-only regular files of one mount, as the kernel sees them: a node id per file name, kept for the life of
 * the mount, and the files open now. The set of files is replaced whole by another thread ({@link #replace});
 * every open is a snapshot: it reads the content it opened until it is released, whatever replaces it meanwhile.
 * Content that nothing holds any more is released, which wipes it if it is secret. The handles open at a time are
 * bounded (the pod's processes could otherwise open the same file until the driver's memory runs out): past the
 * bound an open fails with EMFILE, as past a process's own limit of open files.
 *
 * <p>Thread-safe: the serving thread calls everything but {@link #replace} and {@link #close}.
 */
public final class ServedFiles {

    /** File node ids start here, far above the few ids the socket's place uses. */
    static final long FIRST_NODE_ID = 1L << 32;

    static final int S_IFREG = 0100000;
    /** The bound on open handles of a mount whose limit is not configured (the socket-only mounts of tests). */
    static final int DEFAULT_MAX_OPEN = 256;

    private final Clock clock;
    private final int maxOpen;
    private final Runnable onTooManyOpen;
    private final Map<String, Long> nodeIds = new HashMap<>();
    private final Map<Long, String> names = new HashMap<>();
    private final Map<Long, ServedFile> open = new HashMap<>();
    private FileSet current = FileSet.EMPTY;
    private Instant membershipChanged;
    private long nextHandle = 1;
    private boolean closed;

    public ServedFiles(Clock clock) {
        this(clock, DEFAULT_MAX_OPEN, () -> {});
    }

    /**
     * @param maxOpen       handles open at a time; one more open fails with EMFILE
     * @param onTooManyOpen told (on the serving thread, without a lock held) of each open refused for the bound
     */
    public ServedFiles(Clock clock, int maxOpen, Runnable onTooManyOpen) {
        if (maxOpen <= 0) {
            throw new IllegalArgumentException("maxOpen must be positive: " + maxOpen);
        }
        this.clock = clock;
        this.maxOpen = maxOpen;
        this.onTooManyOpen = onTooManyOpen;
        this.membershipChanged = clock.instant();
    }

    /**
     * Serves {@code next} from now on: later lookups and opens see it, files open now keep their snapshot. The
     * superseded set's content is released.
     */
    public synchronized void replace(FileSet next) {
        if (closed) {
            next.discard();
            return;
        }
        next.files().forEach(file -> file.content().retain());
        FileSet previous = current;
        current = next;
        if (!previous.files().stream()
                .map(ServedFile::name)
                .toList()
                .equals(next.files().stream().map(ServedFile::name).toList())) {
            membershipChanged = clock.instant();
        }
        previous.files().forEach(file -> file.content().release());
    }

    /** The set served now. */
    public synchronized FileSet current() {
        return current;
    }

    static boolean owns(long nodeId) {
        return nodeId >= FIRST_NODE_ID;
    }

    synchronized Attr lookup(byte[] name) throws FuseError {
        ServedFile file =
                current.get(new String(name, StandardCharsets.UTF_8)).orElseThrow(() -> new FuseError(Errno.ENOENT));
        return attr(nodeIdOf(file.name()), file, file.content());
    }

    /**
     * The attributes of a file; with an open handle, those of the snapshot it holds. The kernel names a handle only
     * where it asks for a file it has open (lseek to the end, say); stat(2) and fstat(2) get the current content's.
     */
    synchronized Attr attributes(long nodeId, long handle) throws FuseError {
        ServedFile held = handle == 0 ? null : open.get(handle);
        if (held != null && held.name().equals(names.get(nodeId))) {
            // the snapshot the handle reads, even if a later set no longer has the file
            return attr(nodeId, held, held.content());
        }
        ServedFile file = fileOf(nodeId);
        return attr(nodeId, file, file.content());
    }

    /** Opens for reading only; the handle holds the content served now. EMFILE past the bound on open handles. */
    long open(long nodeId, int flags) throws FuseError {
        synchronized (this) {
            if ((flags & OpenIn.O_ACCMODE) != OpenIn.O_RDONLY || (flags & OpenIn.O_TRUNC) != 0) {
                throw new FuseError(Errno.EROFS);
            }
            ServedFile file = fileOf(nodeId);
            if (open.size() < maxOpen) {
                file.content().retain();
                long handle = nextHandle++;
                open.put(handle, file);
                return handle;
            }
        }
        onTooManyOpen.run();
        throw new FuseError(Errno.EMFILE);
    }

    /** Handles open now. */
    synchronized int openHandles() {
        return open.size();
    }

    /** Copies what the handle's snapshot holds at {@code offset}, at most {@code size} bytes; 0 at the end. */
    int read(long handle, long offset, int size, ByteBuffer out) throws FuseError {
        ServedFile file;
        synchronized (this) {
            file = open.get(handle);
        }
        if (file == null) {
            throw new FuseError(Errno.EBADF);
        }
        FileContent content = file.content();
        // held by the handle until RELEASE, which the same thread handles after this read: never wiped meanwhile
        return content.copyTo(offset, size, out);
    }

    /** How many bytes a read of the handle can return at most: what the reply must hold. */
    synchronized int readable(long handle, long offset, int size) {
        ServedFile file = open.get(handle);
        if (file == null || offset >= file.content().length()) {
            return 0;
        }
        return (int) Math.min(size, file.content().length() - offset);
    }

    synchronized void release(long handle) {
        ServedFile file = open.remove(handle);
        if (file != null) {
            file.content().release();
        }
    }

    /** Whether an open handle reads secret content: its replies are wiped from the reply buffer once sent. */
    synchronized boolean isSecret(long handle) {
        ServedFile file = open.get(handle);
        return file != null && file.content().isSecret();
    }

    synchronized List<Dirent> entries() {
        List<Dirent> entries = new ArrayList<>(current.files().size());
        for (ServedFile file : current.files()) {
            entries.add(
                    new Dirent(nodeIdOf(file.name()), Dirent.DT_REG, file.name().getBytes(StandardCharsets.UTF_8)));
        }
        return entries;
    }

    synchronized int count() {
        return current.files().size();
    }

    /** When a file last appeared or went: the root directory's mtime. */
    synchronized Instant membershipChanged() {
        return membershipChanged;
    }

    /** Releases every open snapshot and the served set: the mount is gone. Later sets are discarded. */
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        open.values().forEach(file -> file.content().release());
        open.clear();
        current.files().forEach(file -> file.content().release());
        current = FileSet.EMPTY;
    }

    private ServedFile fileOf(long nodeId) throws FuseError {
        String name = names.get(nodeId);
        if (name == null) {
            throw new FuseError(Errno.ENOENT);
        }
        return current.get(name).orElseThrow(() -> new FuseError(Errno.ENOENT)); // gone since the lookup
    }

    private long nodeIdOf(String name) {
        return nodeIds.computeIfAbsent(name, n -> {
            long id = FIRST_NODE_ID + nodeIds.size();
            names.put(id, n);
            return id;
        });
    }

    private static Attr attr(long nodeId, ServedFile file, FileContent content) {
        return new Attr(
                nodeId,
                S_IFREG | file.mode(),
                1,
                file.uid(),
                file.gid(),
                content.length(),
                file.changed(),
                file.changed(),
                file.changed());
    }
}
