package dev.spiffecsi.backend.fuseproxy.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.ResolvedTarget;
import dev.spiffecsi.spi.contract.Privileges;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A component of the target swapped for a symlink to a directory outside the pods directory once FuseMount has
 * checked and resolved it, right before mount(2): the FUSE filesystem is mounted on the directory that was resolved, never outside, a final symlink is
 * never followed, and the unmount takes the filesystem away from where it is, leaving a mount outside alone.
 */
class FuseMountTargetSwapTest {

    private static final String SOCKET = "s.sock";

    private final MountSyscalls real = new JnaMountSyscalls();
    private final List<Path> toUnmount = new ArrayList<>();
    private volatile Runnable beforeMount = () -> {};
    private Path root;
    private Path pods;
    private Path parent;
    private Path target;
    private Path outsideTarget;

    /** The real calls, with {@link #beforeMount} run right before mount(2), after every check. */
    private final MountSyscalls mounts = new MountSyscalls() {
        @Override
        public ResolvedTarget resolveBeneath(Path beneath, Path path) throws IOException {
            return real.resolveBeneath(beneath, path);
        }

        @Override
        public void mount(String source, Path mountPoint, String fsType, long flags, String data) throws IOException {
            beforeMount.run();
            real.mount(source, mountPoint, fsType, flags, data);
        }

        @Override
        public void bindWithAttributes(Path source, Path to, long attributes) throws IOException {
            real.bindWithAttributes(source, to, attributes);
        }

        @Override
        public void bindWithAttributes(Path source, ResolvedTarget to, long attributes) throws IOException {
            real.bindWithAttributes(source, to, attributes);
        }

        @Override
        public long mountFlags(Path path) throws IOException {
            return real.mountFlags(path);
        }

        @Override
        public void umount2(Path path, int flags) throws IOException {
            real.umount2(path, flags);
        }

        @Override
        public FileStatus stat(Path path) throws IOException {
            return real.stat(path);
        }
    };

    @BeforeEach
    void setUp() throws IOException {
        Privileges.assumeCanMountPrivately();
        root = Files.createTempDirectory("fs"); // short: a socket path has at most 107 bytes
        pods = Files.createDirectory(root.resolve("p"));
        parent = Files.createDirectories(pods.resolve("u/v"));
        target = Files.createDirectory(parent.resolve("m"));
        outsideTarget = Files.createDirectories(root.resolve("o/v/m"));
    }

    @AfterEach
    void tearDown() {
        for (Path path : toUnmount.reversed()) {
            try {
                real.umount2(path, MountSyscalls.UMOUNT_NOFOLLOW | MountSyscalls.MNT_DETACH);
            } catch (IOException e) {
                // not mounted: what the test wanted
            }
        }
    }

    private FuseMount mount() throws IOException {
        return FuseMount.mount(
                target,
                Optional.of(SOCKET),
                new ServedFiles(Clock.systemUTC()),
                new FuseOptions(
                        mounts,
                        FuseOptions.DEFAULT_SOURCE,
                        FuseOptions.DEFAULT_UNMOUNT_BUSY_TIMEOUT,
                        Clock.systemUTC(),
                        System.getLogger(FuseMountTargetSwapTest.class.getName()),
                        pods));
    }

    /** The parent moved aside, a symlink to the outside directory in its place; returns the target's new path. */
    private Path swapParent() {
        try {
            Path moved = parent.resolveSibling("moved");
            Files.move(parent, moved);
            Files.createSymbolicLink(parent, outsideTarget.getParent());
            return moved.resolve(target.getFileName());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean isMountRoot(Path path) throws IOException {
        return real.stat(path).mountRoot();
    }

    @Test
    void aParentSwappedRightBeforeMountingGetsNoMountOutsideAndTheUnmountFollowsTheMount() throws Exception {
        Path[] moved = new Path[1];
        beforeMount = () -> moved[0] = swapParent();
        toUnmount.add(outsideTarget);

        FuseMount mount = mount();
        toUnmount.add(moved[0]);
        try {
            assertFalse(isMountRoot(outsideTarget), "the FUSE filesystem was mounted outside the pods directory");
            assertTrue(isMountRoot(moved[0]), "the FUSE filesystem is on the directory that was resolved");
            assertTrue(mount.isAlive());
        } finally {
            mount.close();
        }
        assertFalse(isMountRoot(moved[0]), "the unmount missed the filesystem");
    }

    @Test
    void anUnmountAfterTheParentWasSwappedLeavesAMountOutsideAlone() throws Exception {
        FuseMount mount = mount();
        toUnmount.add(target);
        Path moved = swapParent();
        toUnmount.add(moved);
        real.mount("tmpfs", outsideTarget, "tmpfs", 0, null);
        toUnmount.add(outsideTarget);

        mount.close();

        assertTrue(isMountRoot(outsideTarget), "the mount outside the pods directory was unmounted");
        assertFalse(isMountRoot(moved), "the FUSE filesystem is still mounted");
    }

    @Test
    void aTargetThatIsASymlinkIsNotFollowed() throws Exception {
        Files.delete(target);
        Files.createSymbolicLink(target, outsideTarget);
        toUnmount.add(outsideTarget);

        MountSyscalls.ErrnoException refused = assertThrows(MountSyscalls.ErrnoException.class, this::mount);

        assertEquals(MountSyscalls.ENOTDIR, refused.errno());
        assertFalse(isMountRoot(outsideTarget), "the FUSE mount followed the symlink out of the pods directory");
    }

    @Test
    void aParentThatIsASymlinkIsRefused() throws Exception {
        swapParent();
        toUnmount.add(outsideTarget);

        MountSyscalls.ErrnoException refused = assertThrows(MountSyscalls.ErrnoException.class, this::mount);

        assertEquals(MountSyscalls.ELOOP, refused.errno());
        assertFalse(isMountRoot(outsideTarget));
    }
}
