package com.example.spiffecsi;

import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.BackendException.Failure;
import dev.spiffecsi.spi.Health;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.ResolvedTarget;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.VolumeCondition;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Publishes a volume by replacing the empty target directory the engine made with a symbolic link to the agent's
 * socket directory. The container runtime resolves the link when it starts the pod, so the pod sees the directory
 * itself. No privilege is needed; in exchange nothing is read-only but what the pod's {@code readOnly} flag makes so.
 *
 * <p>The engine checked the target path, but a pod can swap a component of it for a symlink afterwards. So publish
 * and unpublish act only through the target's parent resolved beneath the kubelet pods directory
 * ({@link MountSyscalls#resolveTarget}), never through the path again.
 */
final class ExampleBackend implements Backend {

    private final Path socketDir;
    private final Path podsDir;
    private final MountSyscalls syscalls;

    ExampleBackend(Path socketDir, Path podsDir, MountSyscalls syscalls) {
        this.socketDir = socketDir;
        this.podsDir = podsDir;
        this.syscalls = syscalls;
    }

    /**
     * ABSENT (missing, or an empty directory), PUBLISHED (our link) or FOREIGN (anything else). Never BROKEN: a
     * link of ours whose directory is gone comes back to life when the agent makes it again; {@link #condition}
     * reports it meanwhile.
     */
    @Override
    public TargetState inspect(Path target) {
        try {
            if (Files.isSymbolicLink(target)) {
                return Files.readSymbolicLink(target).equals(socketDir) ? TargetState.PUBLISHED : TargetState.FOREIGN;
            }
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                return TargetState.ABSENT;
            }
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                return TargetState.FOREIGN;
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
                return entries.iterator().hasNext() ? TargetState.FOREIGN : TargetState.ABSENT;
            }
        } catch (IOException e) {
            throw new BackendException(Failure.INTERNAL, "cannot inspect " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void publish(PublishRequest request) {
        // no volume attribute changes what a pod gets: refuse them all, so that a misspelt one is not ignored
        request.requireOnlyAttributes(Set.of(), ExampleProvider.NAME);
        if (!request.readOnly()) {
            throw new BackendException(
                    Failure.INVALID_REQUEST,
                    "a symbolic link cannot be made read-only: " + "the pod must set csi.readOnly: true on the volume");
        }
        if (!Files.isDirectory(socketDir)) {
            // a link to nothing would fail later in the container runtime; UNAVAILABLE makes the kubelet retry
            throw new BackendException(Failure.UNAVAILABLE, health().message());
        }
        Path path = request.targetPath();
        try (ResolvedTarget target = syscalls.resolveTarget(podsDir, path)
                .orElseThrow(() -> new BackendException(
                        Failure.INVALID_REQUEST, "the parent directory of " + path + " does not exist"))) {
            // a switch over every state, so that the compiler insists on each
            switch (inspect(target.entry())) {
                case PUBLISHED -> {} // a republish: nothing to do
                case ABSENT -> replaceWithLink(target);
                case BROKEN, FOREIGN -> throw occupied(path);
            }
        }
    }

    @Override
    public void unpublish(UnpublishRequest request) {
        Path path = request.targetPath();
        Optional<ResolvedTarget> resolved = syscalls.resolveTarget(podsDir, path);
        if (resolved.isEmpty()) {
            return; // the parent is gone, and the target with it
        }
        try (ResolvedTarget target = resolved.get()) {
            switch (inspect(target.entry())) {
                case ABSENT -> {} // the engine removes the empty directory
                // deleting a link removes the link, never what it leads to
                case PUBLISHED -> Files.deleteIfExists(target.entry());
                case BROKEN, FOREIGN -> throw occupied(path);
            }
        } catch (IOException e) {
            throw new BackendException(Failure.INTERNAL, "cannot remove the link " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public VolumeCondition condition(Path target) {
        if (inspect(target) != TargetState.PUBLISHED) {
            return VolumeCondition.abnormal(target + " is not a link made by " + ExampleProvider.NAME);
        }
        return Files.isDirectory(target)
                ? VolumeCondition.healthy(target + " -> " + socketDir)
                : VolumeCondition.abnormal("dangling link: " + target + " -> " + socketDir);
    }

    @Override
    public Health health() {
        return Files.isDirectory(socketDir)
                ? Health.ready("the agent socket directory " + socketDir + " is present")
                : Health.notReady("the agent socket directory " + socketDir + " is missing");
    }

    /** Usage is the socket directory's: the target is only a link to it. */
    @Override
    public Path contentPath(Path target) {
        return socketDir;
    }

    /**
     * rmdir, then the link. rmdir refuses a directory that is not empty (or is a mount point), so nothing anybody
     * put there since {@link #inspect} is lost; should the link fail, the directory is put back as the engine made
     * it, because a failed publish must leave nothing changed.
     */
    private void replaceWithLink(ResolvedTarget target) {
        try {
            Files.deleteIfExists(target.entry());
        } catch (DirectoryNotEmptyException e) {
            throw occupied(target.path());
        } catch (IOException e) {
            throw new BackendException(Failure.INTERNAL, "cannot remove " + target.path() + ": " + e.getMessage(), e);
        }
        try {
            Files.createSymbolicLink(target.entry(), socketDir);
        } catch (IOException e) {
            try {
                Files.createDirectory(target.entry());
            } catch (IOException restore) {
                e.addSuppressed(restore);
            }
            throw new BackendException(Failure.INTERNAL, "cannot link " + target.path() + ": " + e.getMessage(), e);
        }
    }

    private static BackendException occupied(Path target) {
        return new BackendException(
                Failure.TARGET_OCCUPIED,
                target + " holds something " + ExampleProvider.NAME + " did not make; leaving it alone");
    }
}
