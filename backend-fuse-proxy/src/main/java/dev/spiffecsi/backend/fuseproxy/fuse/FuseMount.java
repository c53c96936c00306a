package dev.spiffecsi.backend.fuseproxy.fuse;

import dev.spiffecsi.spi.BusyUnmount;
import dev.spiffecsi.spi.BusyUnmount.Outcome;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.MountSyscalls.ErrnoException;
import dev.spiffecsi.spi.ResolvedTarget;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A FUSE filesystem mounted at a target directory whose root can hold a Unix socket under a configured name, which
 * this process creates by binding a listener to it, and the read-only files of a {@link ServedFiles}. Nothing else
 * can be created in it, and only this process can create, remove or change the socket or the files. The filesystem
 * is served by a platform thread of this process over its own {@code /dev/fuse} connection, speaking the kernel
 * protocol directly (no libfuse).
 *
 * <p>The mount is nosuid, nodev, noexec, with {@code allow_other} so that the pod's users can reach it and
 * {@code default_permissions} so that the kernel checks access from the modes this filesystem reports. It is
 * read-write when it holds a socket (bind(2) creates it; the filesystem refuses every other change), read-only in
 * the kernel when it holds files alone.
 *
 * <p>The filesystem lives as long as this process: if the process dies, the mount stays but answers ENOTCONN
 * ({@link #isDisconnected}) and can only be unmounted.
 *
 * <p>The target is resolved once, beneath {@link FuseOptions#targetsBeneath} without following a symlink, and its
 * parent held until the filesystem is unmounted: mount(2) goes to the target's own descriptor, and every later look
 * at the mount, and its unmount, goes through the held parent ({@link #entry}), so that no component swapped for a
 * symlink meanwhile can redirect them.
 */
public final class FuseMount implements AutoCloseable {

    /** The filesystem type shown in /proc/self/mountinfo: FUSE with this driver's subtype. */
    public static final String FS_TYPE = "fuse.spiffe-csi";

    static final String THREAD_NAME_PREFIX = "fuse-server ";

    private static final long MOUNT_FLAGS = MountSyscalls.MS_NOSUID | MountSyscalls.MS_NODEV | MountSyscalls.MS_NOEXEC;
    /** The kernel queues INIT before mount(2) returns, so the wait only bounds a kernel that misbehaves. */
    private static final Duration INIT_TIMEOUT = Duration.ofSeconds(5);
    /** Stopping wakes the thread's poll(2): it ends at once unless something is badly wrong. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final Path target;
    private final ResolvedTarget resolved;
    private final FuseOptions options;
    private final Thread server;
    private final FuseChannel channel;
    private final ServedFiles files;
    private volatile boolean closed;

    private FuseMount(
            Path target,
            ResolvedTarget resolved,
            FuseOptions options,
            Thread server,
            FuseChannel channel,
            ServedFiles files) {
        this.target = target;
        this.resolved = resolved;
        this.options = options;
        this.server = server;
        this.channel = channel;
        this.files = files;
    }

    /**
     * Mounts the filesystem on {@code target}, an existing directory, and starts serving it. On return the root is
     * empty, ready for a listener of this process to bind {@code target/socketName}. bind(2) gives the socket this
     * process's umask; connect(2) needs write permission on it, so chmod the socket for the pod's users.
     *
     * @param socketName the one name the socket may have: a single path component
     * @throws IllegalArgumentException if {@code socketName} is not a single path component
     * @throws IOException              if the mount or the protocol handshake fails; nothing is left mounted then
     */
    public static FuseMount mount(Path target, String socketName, FuseOptions options) throws IOException {
        return mount(target, Optional.of(socketName), new ServedFiles(options.clock()), options);
    }

    /**
     * Mounts the filesystem on {@code target} with a place for the socket (when {@code socketName} is given) and
     * the files of {@code files}, which the caller replaces as they change; read-only in the kernel without a
     * socket. On return the files are served and the socket's place is empty. {@link #close} releases the files.
     *
     * @throws IOException if the target cannot be resolved (ELOOP: a symlink in its path; ENOTDIR: it is not a
     *                     directory), or the mount or the protocol handshake fails; nothing is left mounted then
     */
    public static FuseMount mount(Path target, Optional<String> socketName, ServedFiles files, FuseOptions options)
            throws IOException {
        ResolvedTarget resolved = options.mounts().resolveBeneath(options.targetsBeneath(), target);
        try {
            return mount(target, resolved, socketName, files, options);
        } catch (IOException | RuntimeException e) {
            resolved.close();
            throw e;
        }
    }

    private static FuseMount mount(
            Path target, ResolvedTarget resolved, Optional<String> socketName, ServedFiles files, FuseOptions options)
            throws IOException {
        SocketDirectory directory = new SocketDirectory(socketName, files, options.clock());
        long flags = MOUNT_FLAGS | (socketName.isEmpty() ? MountSyscalls.MS_RDONLY : 0);
        // before the channel: a target that is not a directory (a symlink, say) costs no /dev/fuse connection
        Path mountPoint = resolved.openDirectory();
        FuseChannel channel = FuseChannel.open(Handshake.REQUEST_BUFFER_SIZE);
        try {
            options.mounts().mount(options.source(), mountPoint, FS_TYPE, flags, mountData(channel.fd()));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        Thread server;
        try {
            String protocol = Handshake.perform(channel, INIT_TIMEOUT);
            server = Thread.ofPlatform()
                    .name(THREAD_NAME_PREFIX + target)
                    .daemon()
                    .start(new ServingLoop(
                            channel, new Dispatcher(directory, OwnProcess::hasThread), target, options.logger()));
            options.logger().log(Level.DEBUG, () -> "serving FUSE " + protocol + " at " + target);
        } catch (IOException | RuntimeException e) {
            channel.close(); // aborts the connection, so that unmounting cannot wait on it
            undoMount(resolved, options, e);
            throw e;
        }
        return new FuseMount(target, resolved, options, server, channel, files);
    }

    private static String mountData(int fd) {
        // rootmode carries only the file type; the root's permissions come from GETATTR
        return "fd=" + fd + ",rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions";
    }

    private static void undoMount(ResolvedTarget target, FuseOptions options, Exception cause) {
        try {
            options.mounts().umount2(target.entry(), MountSyscalls.UMOUNT_NOFOLLOW);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    public Path target() {
        return target;
    }

    /**
     * The mounted directory through the target's held parent ({@code /proc/self/fd/<n>/<name>}): what to open to
     * reach into the filesystem, rather than {@link #target}, which a parent swapped for a symlink could redirect.
     * Valid until {@link #close} succeeds.
     */
    public Path entry() {
        return resolved.entry();
    }

    /**
     * Whether the filesystem is still mounted at the target and answering: the serving thread runs (it ends when
     * the filesystem is unmounted or its connection aborted), and a stat(2) of the target, which always reaches
     * the server (the root's attributes are never cached), finds a mount root.
     */
    public boolean isAlive() {
        if (closed || !server.isAlive()) {
            return false;
        }
        try {
            return options.mounts().stat(resolved.entry()).mountRoot();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether {@code path} is a FUSE mount whose server is gone, such as one left by a driver process that died:
     * the kernel answers ENOTCONN for it. Such a mount can only be unmounted.
     */
    public static boolean isDisconnected(MountSyscalls mounts, Path path) {
        try {
            mounts.stat(path);
            return false;
        } catch (ErrnoException e) {
            return e.errno() == MountSyscalls.ENOTCONN;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Unmounts and stops serving. The listener bound in the filesystem, and any process using it, keep the mount
     * busy: close the listener first. An unmount still busy after {@link FuseOptions#unmountBusyTimeout} is
     * detached instead (logged): the target is free at once, and the remaining users get ENOTCONN.
     * Does nothing once it has succeeded.
     *
     * @throws IOException if unmounting fails otherwise; the filesystem is then still mounted and served, and
     *                     close may be called again
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        unmount();
        closed = true;
        resolved.close();
        channel.stop();
        try {
            server.join(STOP_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (server.isAlive()) {
            options.logger()
                    .log(
                            Level.ERROR,
                            "the FUSE server thread of " + target + " did not stop within " + STOP_TIMEOUT
                                    + "; it releases its device when it does");
        }
        files.close();
    }

    private void unmount() throws IOException {
        MountSyscalls mounts = options.mounts();
        if (BusyUnmount.unmount(mounts, resolved.entry(), options.unmountBusyTimeout()) == Outcome.UNMOUNTED) {
            return;
        }
        // still busy, or interrupted while waiting (the flag is kept): the path must be freed either way
        options.logger()
                .log(
                        Level.WARNING,
                        target + " is still busy after " + options.unmountBusyTimeout()
                                + " (a listener still bound, or a process with its working directory or a file there); detaching "
                                + "it: the path is free now, and what still uses the filesystem gets ENOTCONN");
        mounts.umount2(resolved.entry(), MountSyscalls.UMOUNT_NOFOLLOW | MountSyscalls.MNT_DETACH);
    }
}
