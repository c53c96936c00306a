package dev.spiffecsi.backend.fuseproxy.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.contract.Privileges;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real FUSE mounts served by this process, used the way a pod and the driver use them. */
class FuseMountTest {

    private static final String SOCKET = "spire-agent.sock";
    private static final String NOBODY = "65534";

    private final MountSyscalls mounts = new JnaMountSyscalls();
    private final System.Logger log = System.getLogger(FuseMountTest.class.getName());
    private Path target;
    private FuseMount mount;

    @BeforeEach
    void setUp() throws IOException {
        Privileges.assumeCanMountPrivately();
        target = Files.createTempDirectory("fz"); // short: a socket path has at most 107 bytes
    }

    @AfterEach
    void tearDown() throws IOException {
        if (mount != null) {
            mount.close();
        }
        if (target != null) {
            Files.deleteIfExists(target);
        }
    }

    private FuseMount mount(Duration busyTimeout) throws IOException {
        mount = FuseMount.mount(
                target,
                SOCKET,
                new FuseOptions(mounts, FuseOptions.DEFAULT_SOURCE, busyTimeout, Clock.systemUTC(), log));
        return mount;
    }

    private FuseMount mount() throws IOException {
        return mount(FuseOptions.DEFAULT_UNMOUNT_BUSY_TIMEOUT);
    }

    private Path socketPath() {
        return target.resolve(SOCKET);
    }

    private static ServerSocketChannel listen(Path path) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            return server.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            server.close();
            throw e;
        }
    }

    /** Connects through {@code path}, sends "ping" and expects the server to answer "pong". */
    private static void exchange(ServerSocketChannel server, Path path) throws IOException {
        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path));
                SocketChannel accepted = server.accept()) {
            client.write(StandardCharsets.US_ASCII.encode("ping"));
            assertEquals("ping", read(accepted, 4));
            accepted.write(StandardCharsets.US_ASCII.encode("pong"));
            assertEquals("pong", read(client, 4));
        }
    }

    private static String read(SocketChannel channel, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
            // until complete or end of stream
        }
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
    }

    private static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private record Run(int exitCode, String output) {}

    private static Run run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(process.waitFor(), output);
    }

    private static String[] asNobody(String... command) {
        return Stream.concat(
                        Stream.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"),
                        Stream.of(command))
                .toArray(String[]::new);
    }

    /** A Unix socket client in another process, which connects to {@code socket} and sends "ping". */
    private static String[] pingClient(Path socket) {
        // perl-base is on every Debian system
        return new String[] {
            "perl",
            "-MIO::Socket::UNIX",
            "-e",
            "my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), "
                    + "Peer => $ARGV[0]) or die \"connect: $!\\n\"; print $s \"ping\"; close $s",
            socket.toString()
        };
    }

    /** The /proc/self/mountinfo fields of the topmost mount at a path. */
    private record MountInfo(String options, String fsType, String source, String superOptions) {}

    private static Optional<MountInfo> mountInfo(Path path) throws IOException {
        MountInfo found = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] sides = line.split(" - ", 2);
            String[] fields = sides[0].split(" ");
            String[] rest = sides[1].split(" ");
            if (fields[4].equals(path.toString())) {
                found = new MountInfo(fields[5], rest[0], rest[1], rest[2]);
            }
        }
        return Optional.ofNullable(found);
    }

    private static List<String> optionList(String options) {
        return List.of(options.split(","));
    }

    private static void assertRefused(Exception e) {
        String message = String.valueOf(e.getMessage());
        assertTrue(
                message.contains("Operation not permitted") || message.contains("Permission denied"),
                "expected EPERM or EACCES, got " + e);
    }

    @Test
    void mountsAnEmptyFilesystemWithTheDriversOptions() throws Exception {
        mount();
        assertTrue(mount.isAlive());
        assertEquals(List.of(), entries(target));
        Run ls = run("ls", "-a", target.toString());
        assertEquals(0, ls.exitCode(), ls.output());
        assertEquals(List.of(".", ".."), ls.output().lines().toList());

        MountInfo info = mountInfo(target).orElseThrow();
        assertEquals(FuseMount.FS_TYPE, info.fsType());
        assertEquals(FuseOptions.DEFAULT_SOURCE, info.source());
        assertTrue(optionList(info.options()).containsAll(List.of("rw", "nosuid", "nodev", "noexec")), info.options());
        assertTrue(
                optionList(info.superOptions())
                        .containsAll(List.of("rw", "user_id=0", "group_id=0", "default_permissions", "allow_other")),
                info.superOptions());

        Run otherUser = run(asNobody("ls", "-a", target.toString()));
        assertEquals(0, otherUser.exitCode(), "allow_other lets the pod's users in: " + otherUser.output());
    }

    @Test
    void theDriverBindsTheSocketAndClientsTalkThroughIt() throws Exception {
        mount();
        try (ServerSocketChannel server = listen(socketPath())) {
            assertEquals(List.of(SOCKET), entries(target));
            Run ls = run("ls", "-a", target.toString());
            assertEquals(List.of(".", "..", SOCKET), ls.output().lines().toList());
            assertEquals(0140000, (int) Files.getAttribute(socketPath(), "unix:mode") & 0170000, "a socket");
            assertEquals(0, (int) Files.getAttribute(socketPath(), "unix:uid"), "made by the driver");

            exchange(server, socketPath());
            exchange(server, socketPath());

            Run stat = run(asNobody("stat", "-c", "%F", socketPath().toString()));
            assertEquals("socket", stat.output().strip(), "another user sees it: " + stat.output());
        }
    }

    @Test
    void nothingElseCanBeCreated() throws Exception {
        mount();
        assertRefused(assertThrows(FileSystemException.class, () -> Files.createFile(target.resolve("file"))));
        assertRefused(assertThrows(FileSystemException.class, () -> Files.createDirectory(target.resolve("dir"))));
        assertRefused(assertThrows(
                FileSystemException.class, () -> Files.createSymbolicLink(target.resolve("link"), Path.of("/"))));
        assertRefused(assertThrows(IOException.class, () -> listen(target.resolve("other.sock"))));
        Run fifo = run("mkfifo", target.resolve("fifo").toString());
        assertNotEquals(0, fifo.exitCode());
        assertTrue(fifo.output().contains("Operation not permitted"), fifo.output());
        assertRefused(assertThrows(FileSystemException.class, () -> Files.createFile(socketPath())));

        try (ServerSocketChannel server = listen(socketPath())) {
            assertThrows(FileAlreadyExistsException.class, () -> Files.createFile(socketPath()));
            assertThrows(IOException.class, () -> listen(socketPath()), "the name is taken");
            assertRefused(assertThrows(
                    FileSystemException.class, () -> Files.createLink(target.resolve("alias"), socketPath())));
            assertRefused(
                    assertThrows(FileSystemException.class, () -> Files.move(socketPath(), target.resolve("moved"))));
            assertEquals(List.of(SOCKET), entries(target));
            exchange(server, socketPath());
        }
        assertEquals(List.of(SOCKET), entries(target), "closing a listener leaves its socket file");
    }

    @Test
    void otherProcessesCannotRemoveOrChangeTheSocketEvenAsRoot() throws Exception {
        mount();
        try (ServerSocketChannel server = listen(socketPath())) {
            Run rm = run("rm", "-f", socketPath().toString());
            assertNotEquals(0, rm.exitCode());
            assertTrue(rm.output().contains("Operation not permitted"), rm.output());
            Run chmod = run("chmod", "777", socketPath().toString());
            assertNotEquals(0, chmod.exitCode());
            assertTrue(chmod.output().contains("Operation not permitted"), chmod.output());
            Run touch = run(asNobody("touch", target.resolve("x").toString()));
            assertTrue(
                    touch.output().contains("Permission denied"),
                    "the kernel checks the root's mode: " + touch.output());
            exchange(server, socketPath());
        }
    }

    @Test
    void theDriverCanChmodTheSocketSoThatOtherUsersCanConnect() throws Exception {
        mount();
        try (ServerSocketChannel server = listen(socketPath())) {
            Files.setPosixFilePermissions(socketPath(), PosixFilePermissions.fromString("rwxr-xr-x"));
            Run refused = run(asNobody(pingClient(socketPath())));
            assertNotEquals(0, refused.exitCode());
            assertTrue(refused.output().contains("Permission denied"), "connect needs write: " + refused.output());

            Files.setPosixFilePermissions(socketPath(), PosixFilePermissions.fromString("rw-rw-rw-"));
            assertEquals(0140666, (int) Files.getAttribute(socketPath(), "unix:mode"));
            Run connected = run(asNobody(pingClient(socketPath())));
            assertEquals(0, connected.exitCode(), connected.output());
            try (SocketChannel accepted = server.accept()) {
                assertEquals("ping", read(accepted, 4));
            }
            assertRefused(assertThrows(
                    FileSystemException.class,
                    () -> Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxrwxrwx"))));
        }
    }

    @Test
    void unlinkRemovesTheSocketAndItCanBeBoundAgain() throws Exception {
        mount();
        listen(socketPath()).close();
        Files.delete(socketPath());
        assertEquals(List.of(), entries(target));
        assertFalse(Files.exists(socketPath()));
        try (ServerSocketChannel server = listen(socketPath())) {
            exchange(server, socketPath());
        }
    }

    @Test
    void closeUnmountsAndLeavesTheEmptyDirectory() throws Exception {
        mount();
        try (ServerSocketChannel server = listen(socketPath())) {
            exchange(server, socketPath());
        }
        mount.close();
        assertFalse(mount.isAlive());
        assertEquals(Optional.empty(), mountInfo(target));
        assertEquals(List.of(), entries(target));
        mount.close(); // once is enough
    }

    @Test
    void closeDetachesAMountThatABoundListenerKeepsBusy() throws Exception {
        mount(Duration.ofMillis(100));
        try (ServerSocketChannel server = listen(socketPath())) {
            exchange(server, socketPath());
            long start = System.nanoTime();
            mount.close();
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= 100, "retried while busy: " + millis + " ms");
            assertEquals(Optional.empty(), mountInfo(target));
            assertFalse(mount.isAlive());
            assertTrue(serverThreads().isEmpty(), "the server stopped: " + serverThreads());
            assertThrows(IOException.class, () -> SocketChannel.open(UnixDomainSocketAddress.of(socketPath())));
        }
    }

    @Test
    void aMountUnmountedFromOutsideIsNoLongerAlive() throws Exception {
        mount();
        mounts.umount2(target, MountSyscalls.UMOUNT_NOFOLLOW);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (mount.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertFalse(mount.isAlive());
        mount.close();
        assertTrue(serverThreads().isEmpty());
    }

    @Test
    void aMountWhoseServerIsGoneIsDisconnected() throws Exception {
        assertFalse(FuseMount.isDisconnected(mounts, target), "a plain directory");
        mount();
        assertFalse(FuseMount.isDisconnected(mounts, target), "a live mount");
        mount.close();
        mount = null;

        // what a driver process that died leaves: the mount, without anyone reading its device
        FuseChannel orphan = FuseChannel.open(Handshake.REQUEST_BUFFER_SIZE);
        mounts.mount(
                "spiffe-csi",
                target,
                FuseMount.FS_TYPE,
                MountSyscalls.MS_NOSUID | MountSyscalls.MS_NODEV | MountSyscalls.MS_NOEXEC,
                "fd=" + orphan.fd() + ",rootmode=40000,user_id=0,group_id=0,allow_other");
        try {
            Handshake.perform(orphan, Duration.ofSeconds(5));
            orphan.close();
            assertTrue(FuseMount.isDisconnected(mounts, target));
            MountSyscalls.ErrnoException e =
                    assertThrows(MountSyscalls.ErrnoException.class, () -> mounts.stat(target));
            assertEquals(MountSyscalls.ENOTCONN, e.errno());
        } finally {
            orphan.close();
            mounts.umount2(target, MountSyscalls.UMOUNT_NOFOLLOW);
        }
        assertFalse(FuseMount.isDisconnected(mounts, target));
    }

    @Test
    void mountFailsCleanlyOnAMissingTarget() throws Exception {
        int fdsBefore = openFds();
        assertThrows(
                IOException.class,
                () -> FuseMount.mount(target.resolve("missing"), SOCKET, FuseOptions.defaults(mounts, log)));
        assertEquals(fdsBefore, openFds());
        assertTrue(serverThreads().isEmpty());
    }

    @Test
    void twentyCyclesLeaveNoThreadOrFdBehind() throws Exception {
        cycle(); // loads JNA and the classes, which keep a few fds of their own
        int fdsBefore = openFds();
        int tasksBefore = tasks();
        int cycles = 20;
        long start = System.nanoTime();
        for (int i = 0; i < cycles; i++) {
            cycle();
        }
        double millisPerCycle = (System.nanoTime() - start) / 1e6 / cycles;
        int fdsAfter = openFds();
        int tasksAfter = tasks();
        System.out.printf(
                "%d cycles of mount, bind, connect and exchange, close, unmount: %.2f ms per cycle; "
                        + "open fds %d before, %d after; threads %d before, %d after%n",
                cycles, millisPerCycle, fdsBefore, fdsAfter, tasksBefore, tasksAfter);
        assertEquals(fdsBefore, fdsAfter);
        assertTrue(serverThreads().isEmpty(), serverThreads().toString());
    }

    private void cycle() throws Exception {
        try (FuseMount cycleMount = FuseMount.mount(target, SOCKET, FuseOptions.defaults(mounts, log))) {
            try (ServerSocketChannel server = listen(socketPath())) {
                exchange(server, socketPath());
            }
            assertTrue(cycleMount.isAlive());
        }
        assertEquals(Optional.empty(), mountInfo(target));
    }

    private static int openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }

    private static int tasks() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return (int) tasks.count();
        }
    }

    private static List<String> serverThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(name -> name.startsWith(FuseMount.THREAD_NAME_PREFIX))
                .toList();
    }
}
