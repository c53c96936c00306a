package dev.spiffecsi.engine.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.MountSyscalls.ErrnoException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Resolution beneath the pods directory, with openat2 and with the walk that stands in for it where the kernel
 * refuses openat2: both give the same answers, and what is done through a resolved target stays in the directory
 * that was resolved, whatever is swapped in afterwards.
 */
class BeneathResolverTest {

    @TempDir
    Path root;

    private Path pods;
    private Path outside;

    static Stream<BeneathResolver> resolvers() {
        return Stream.of(BeneathResolver.SYSTEM, BeneathResolver.walkOnly());
    }

    @BeforeEach
    void layOut() throws Exception {
        pods = Files.createDirectories(root.resolve("pods"));
        outside = Files.createDirectories(root.resolve("outside/volumes/kubernetes.io~csi/spiffe"));
    }

    private Path volumeDir(String uid) throws Exception {
        return Files.createDirectories(pods.resolve(uid).resolve("volumes/kubernetes.io~csi/spiffe"));
    }

    @Test
    void thisKernelResolvesWithOpenat2() throws Exception {
        Path target = volumeDir("uid").resolve("mount");
        try (OpenedTarget ignored = BeneathResolver.SYSTEM.resolve(pods, target)) {
            assertTrue(BeneathResolver.SYSTEM.usesOpenat2(), "openat2 was refused; only the walk is tested here");
        }
    }

    @ParameterizedTest
    @MethodSource("resolvers")
    void theParentIsHeldAndTheTargetIsReachedThroughIt(BeneathResolver resolver) throws Exception {
        Path target = volumeDir("uid").resolve("mount");
        try (OpenedTarget opened = resolver.resolve(pods, target)) {
            assertEquals(target, opened.path());
            assertEquals("mount", opened.name());
            assertTrue(opened.makeDirectory(0750));
            assertFalse(opened.makeDirectory(0750), "an existing name is reported, not replaced");
            assertTrue(Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS));
            assertTrue(Files.isSameFile(target, opened.openDirectory()));
            assertTrue(Files.isSameFile(target, opened.entry()));
            assertEquals(EmptyDirectory.Outcome.REMOVED, opened.removeEmptyDirectory());
            assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS));
        }
    }

    @ParameterizedTest
    @MethodSource("resolvers")
    void aTargetRightBelowTheRootHasTheRootAsItsParent(BeneathResolver resolver) throws Exception {
        try (OpenedTarget opened = resolver.resolve(pods, pods.resolve("uid"))) {
            assertTrue(Files.isSameFile(pods, opened.parent()));
        }
    }

    @ParameterizedTest
    @MethodSource("resolvers")
    void aSymlinkAnywhereBelowTheRootIsRefusedWithEloop(BeneathResolver resolver) throws Exception {
        Files.createSymbolicLink(pods.resolve("uid"), root.resolve("outside"));
        assertErrno(MountSyscalls.ELOOP, resolver, pods.resolve("uid/volumes/kubernetes.io~csi/spiffe/mount"));

        Path volumes = Files.createDirectories(pods.resolve("uid2/volumes"));
        Files.createSymbolicLink(volumes.resolve("kubernetes.io~csi"), outside.getParent());
        assertErrno(MountSyscalls.ELOOP, resolver, pods.resolve("uid2/volumes/kubernetes.io~csi/spiffe/mount"));

        // a link to a directory inside the pods directory is refused as well: no link is ever followed
        Path inside = volumeDir("uid3");
        Files.createDirectories(pods.resolve("uid4/volumes/kubernetes.io~csi"));
        Files.createSymbolicLink(pods.resolve("uid4/volumes/kubernetes.io~csi/spiffe"), inside);
        assertErrno(MountSyscalls.ELOOP, resolver, pods.resolve("uid4/volumes/kubernetes.io~csi/spiffe/mount"));
    }

    @ParameterizedTest
    @MethodSource("resolvers")
    void aFileInThePathIsEnotdirAndAMissingParentEnoent(BeneathResolver resolver) throws Exception {
        Files.writeString(pods.resolve("file"), "x");
        assertErrno(MountSyscalls.ENOTDIR, resolver, pods.resolve("file/volumes/mount"));
        assertErrno(MountSyscalls.ENOENT, resolver, pods.resolve("missing/volumes/mount"));
    }

    @ParameterizedTest
    @MethodSource("resolvers")
    void aFinalSymlinkIsNeverFollowed(BeneathResolver resolver) throws Exception {
        Path target = volumeDir("uid").resolve("mount");
        Files.createSymbolicLink(target, Files.createDirectories(outside.resolve("mount")));
        try (OpenedTarget opened = resolver.resolve(pods, target)) {
            ErrnoException refused = assertThrows(ErrnoException.class, opened::openDirectory);
            assertEquals(MountSyscalls.ENOTDIR, refused.errno());
            assertFalse(opened.makeDirectory(0750));
            assertEquals(EmptyDirectory.Outcome.NOT_A_DIRECTORY, opened.removeEmptyDirectory());
        }
        assertTrue(Files.isSymbolicLink(target));
        assertTrue(Files.isDirectory(outside.resolve("mount")), "the link's destination is untouched");
    }

    /**
     * The race the resolution closes: the parent is swapped for a symlink to a directory outside after it was
     * resolved. mkdirat and unlinkat act on the directory that was resolved, never on the link's destination.
     */
    @ParameterizedTest
    @MethodSource("resolvers")
    void aParentSwappedForASymlinkAfterResolutionRedirectsNothing(BeneathResolver resolver) throws Exception {
        Path parent = volumeDir("uid");
        Path target = parent.resolve("mount");
        Path moved = parent.resolveSibling("moved");
        try (OpenedTarget opened = resolver.resolve(pods, target)) {
            Files.move(parent, moved);
            Files.createSymbolicLink(parent, outside);

            assertTrue(opened.makeDirectory(0750));
            assertFalse(Files.exists(outside.resolve("mount"), LinkOption.NOFOLLOW_LINKS), "created outside");
            assertTrue(Files.isDirectory(moved.resolve("mount")));

            Files.createDirectory(outside.resolve("mount"));
            assertEquals(EmptyDirectory.Outcome.REMOVED, opened.removeEmptyDirectory());
            assertTrue(Files.isDirectory(outside.resolve("mount")), "removed outside");
            assertFalse(Files.exists(moved.resolve("mount")));
        }
    }

    /** The kubelet's layout may have mounts below the pods directory: crossing them is not an escape. */
    @ParameterizedTest
    @MethodSource("resolvers")
    void mountPointsBelowTheRootAreCrossed(BeneathResolver resolver) throws Exception {
        dev.spiffecsi.spi.contract.Privileges.assumeCanMountPrivately();
        Path uid = Files.createDirectory(pods.resolve("uid"));
        MountSyscalls mounts = new JnaMountSyscalls();
        mounts.mount("tmpfs", uid, "tmpfs", 0, null);
        try {
            Path target = Files.createDirectories(uid.resolve("volumes/kubernetes.io~csi/spiffe"))
                    .resolve("mount");
            try (OpenedTarget opened = resolver.resolve(pods, target)) {
                assertTrue(opened.makeDirectory(0750));
                assertTrue(Files.isDirectory(target));
            }
        } finally {
            mounts.umount2(uid, MountSyscalls.MNT_DETACH);
        }
    }

    /** Linux before 5.6 answers ENOSYS; a seccomp profile that does not know openat2, EPERM. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {38, 1})
    void anOpenat2TheKernelRefusesFallsBackToTheWalkForGood(int errno) throws Exception {
        int[] calls = new int[1];
        BeneathResolver resolver = new BeneathResolver(true, (dirfd, path) -> {
            calls[0]++;
            return -errno;
        });
        Path target = volumeDir("uid").resolve("mount");
        Files.createSymbolicLink(
                pods.resolve("linked"), outside.getParent().getParent().getParent());

        try (OpenedTarget opened = resolver.resolve(pods, target)) {
            assertTrue(opened.makeDirectory(0750));
        }
        assertFalse(resolver.usesOpenat2());
        assertErrno(MountSyscalls.ELOOP, resolver, pods.resolve("linked/volumes/kubernetes.io~csi/spiffe/mount"));
        assertEquals(1, calls[0], "openat2 was tried again after the kernel refused it");
    }

    @Test
    void anyOtherOpenat2FailureIsTheAnswer() throws Exception {
        BeneathResolver resolver = new BeneathResolver(true, (dirfd, path) -> -MountSyscalls.EXDEV);
        assertErrno(MountSyscalls.EXDEV, resolver, volumeDir("uid").resolve("mount"));
        assertTrue(resolver.usesOpenat2());
    }

    @Test
    void aClosedTargetGivesNoPathThatCouldNameAnotherFile() throws Exception {
        OpenedTarget opened =
                BeneathResolver.SYSTEM.resolve(pods, volumeDir("uid").resolve("mount"));
        opened.close();
        assertThrows(IllegalStateException.class, opened::parent);
        assertThrows(IllegalStateException.class, opened::openDirectory);
        opened.close(); // idempotent
    }

    @Test
    void onlyNormalizedPathsStrictlyBelowTheRootAreResolved() {
        assertThrows(IllegalArgumentException.class, () -> BeneathResolver.SYSTEM.resolve(pods, pods));
        assertThrows(IllegalArgumentException.class, () -> BeneathResolver.SYSTEM.resolve(pods, root.resolve("x")));
        assertThrows(
                IllegalArgumentException.class, () -> BeneathResolver.SYSTEM.resolve(pods, pods.resolve("a/../../x")));
    }

    private void assertErrno(int expected, BeneathResolver resolver, Path target) {
        ErrnoException refused = assertThrows(
                ErrnoException.class, () -> resolver.resolve(pods, target).close());
        assertEquals(expected, refused.errno(), refused.getMessage());
    }
}
