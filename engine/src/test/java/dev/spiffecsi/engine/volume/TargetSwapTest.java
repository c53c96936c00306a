package dev.spiffecsi.engine.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.engine.state.StateStore;
import dev.spiffecsi.engine.testing.FakeBackend;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.Health;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.VolumeCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A parent component swapped for a symlink after the engine validated the target path (the backend's inspect, or
 * its unpublish, stands for "after"): the engine's own mkdir and rmdir stay beneath the pods directory, and the
 * directory outside is never touched. And the directory a failed publish leaves is removed with rmdir alone.
 */
class TargetSwapTest {

    @TempDir
    Path root;

    private Path pods;
    private Path outside;
    private Path parent;
    private Path target;
    private final HookedBackend backend = new HookedBackend();
    private VolumeEngine engine;

    @BeforeEach
    void setUp() throws Exception {
        pods = Files.createDirectories(root.resolve("pods"));
        outside = Files.createDirectories(root.resolve("outside"));
        parent = Files.createDirectories(pods.resolve("uid-1/volumes/kubernetes.io~csi/spiffe"));
        target = parent.resolve("mount");
        engine = new VolumeEngine(
                new RequestValidator(new TargetPathPolicy(pods), false),
                StateStore.open(Files.createDirectories(root.resolve("state")), pods),
                backend,
                "fake",
                Clock.systemUTC());
    }

    /** Moves the parent away and puts a symlink to the outside directory in its place. */
    private void swapParentForSymlink() {
        try {
            Files.move(parent, parent.resolveSibling("moved"));
            Files.createSymbolicLink(parent, outside);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static PublishCommand publish(Path target) {
        return new PublishCommand(
                "vol-1",
                target.toString(),
                "",
                new PublishCommand.Capability(
                        PublishCommand.AccessType.MOUNT, "", List.of(), PublishCommand.AccessMode.SINGLE_NODE_WRITER),
                true,
                Map.of(
                        "csi.storage.k8s.io/ephemeral",
                        "true",
                        "csi.storage.k8s.io/pod.name",
                        "workload",
                        "csi.storage.k8s.io/pod.namespace",
                        "default",
                        "csi.storage.k8s.io/pod.uid",
                        "uid-1",
                        "csi.storage.k8s.io/serviceAccount.name",
                        "default"));
    }

    @Test
    void aParentSwappedAfterValidationMakesNoDirectoryOutside() {
        backend.afterInspect = this::swapParentForSymlink;

        VolumeException refused = assertThrows(VolumeException.class, () -> engine.publish(publish(target)));

        assertEquals(VolumeException.Reason.INVALID_ARGUMENT, refused.reason());
        assertTrue(
                refused.getMessage().contains("target_path")
                        && refused.getMessage().contains("symlink"),
                refused.getMessage());
        assertFalse(Files.exists(outside.resolve("mount"), LinkOption.NOFOLLOW_LINKS), "a directory outside");
        assertEquals(0, backend.fake.publishCalls(), "the backend was asked to publish");
    }

    @Test
    void aParentSwappedAfterValidationOfAnUnpublishRemovesNothingOutside() throws Exception {
        engine.publish(publish(target));
        Files.createDirectory(outside.resolve("mount"));
        backend.afterUnpublish = this::swapParentForSymlink;

        engine.unpublish("vol-1", target.toString());

        assertTrue(Files.isDirectory(outside.resolve("mount")), "the empty directory outside was removed");
        assertFalse(
                Files.exists(parent.resolveSibling("moved").resolve("mount")),
                "the target was removed from the directory the engine resolved");
    }

    @Test
    void resolvingAParentThatIsNowASymlinkIsInvalidArgument() throws Exception {
        Files.createDirectory(outside.resolve("mount"));
        swapParentForSymlink();
        // past the validator's own lstat check, as if the swap came right after it
        TargetPathPolicy paths = new TargetPathPolicy(pods);

        VolumeException refused = assertThrows(
                VolumeException.class,
                () -> paths.open("target_path", target).orElseThrow().close());

        assertEquals(VolumeException.Reason.INVALID_ARGUMENT, refused.reason());
        assertTrue(Files.isDirectory(outside.resolve("mount")));
    }

    @Test
    void aFailedPublishRemovesItsDirectoryWithRmdirAloneLeavingAFileThere() throws Exception {
        backend.duringPublish = () -> replaceTarget(() -> Files.writeString(target, "not mine"));

        assertThrows(BackendException.class, () -> engine.publish(publish(target)));

        assertEquals("not mine", Files.readString(target), "a file at the target was deleted");
    }

    @Test
    void aFailedPublishRemovesItsDirectoryWithRmdirAloneLeavingASymlinkThere() throws Exception {
        Path destination = Files.createDirectory(outside.resolve("destination"));
        backend.duringPublish = () -> replaceTarget(() -> Files.createSymbolicLink(target, destination));

        assertThrows(BackendException.class, () -> engine.publish(publish(target)));

        assertTrue(Files.isSymbolicLink(target), "a symlink at the target was deleted");
        assertTrue(Files.isDirectory(destination));
    }

    @Test
    void aFailedPublishLeavesContentItsDirectoryGot() throws Exception {
        backend.duringPublish = () -> {
            try {
                Files.writeString(target.resolve("content"), "x");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };

        assertThrows(BackendException.class, () -> engine.publish(publish(target)));

        assertTrue(Files.isRegularFile(target.resolve("content")));
    }

    @Test
    void aFailedPublishRemovesTheEmptyDirectoryItCreated() {
        backend.duringPublish = () -> {};

        assertThrows(BackendException.class, () -> engine.publish(publish(target)));

        assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS));
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private void replaceTarget(IoAction put) {
        try {
            Files.delete(target);
            put.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A {@link FakeBackend} with hooks: after inspect, during a publish (which then fails), after unpublish. */
    private static final class HookedBackend implements Backend {
        final FakeBackend fake = new FakeBackend();
        volatile Runnable afterInspect = () -> {};
        volatile Runnable duringPublish;
        volatile Runnable afterUnpublish = () -> {};

        @Override
        public TargetState inspect(Path targetPath) {
            TargetState state = fake.inspect(targetPath);
            afterInspect.run();
            return state;
        }

        @Override
        public void publish(PublishRequest request) {
            Runnable hook = duringPublish;
            if (hook != null) {
                hook.run();
                throw new BackendException(BackendException.Failure.INTERNAL, "failed on purpose");
            }
            fake.publish(request);
        }

        @Override
        public void unpublish(UnpublishRequest request) {
            fake.unpublish(request);
            afterUnpublish.run();
        }

        @Override
        public VolumeCondition condition(Path targetPath) {
            return fake.condition(targetPath);
        }

        @Override
        public Health health() {
            return fake.health();
        }
    }
}
