package dev.spiffecsi.engine.volume;

import dev.spiffecsi.engine.os.BeneathResolver;
import dev.spiffecsi.engine.os.OpenedTarget;
import dev.spiffecsi.spi.LogSafe;
import dev.spiffecsi.spi.MountSyscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * Confines target paths to the kubelet pods directory. A path is accepted only if it is absolute, already
 * normalized (no empty, "." or ".." segments, no trailing slash, no NUL), within PATH_MAX and NAME_MAX, strictly
 * below the pods directory, and no existing directory between the pods directory and the final component is a
 * symlink or a non-directory. Components are checked with lstat, never followed. The final component is left to
 * the backend, which must not follow it either.
 *
 * <p>The check gives a clear refusal early; it cannot stop a component from being swapped for a symlink right after.
 * What the engine then does with a target goes through {@link #open}, which resolves the parent once more, beneath
 * the pods directory, and holds it.
 */
public final class TargetPathPolicy {

    private static final int PATH_MAX = 4096;
    private static final int NAME_MAX = 255;

    private final Path podsDir;
    private final BeneathResolver resolver;

    public TargetPathPolicy(Path podsDir) {
        this(podsDir, BeneathResolver.SYSTEM);
    }

    /** With the given resolver: tests force the walk that stands in for openat2. */
    public TargetPathPolicy(Path podsDir, BeneathResolver resolver) {
        this.podsDir = podsDir.normalize();
        this.resolver = resolver;
    }

    public Path podsDir() {
        return podsDir;
    }

    /**
     * @param field the request field, for messages ({@code target_path}, {@code volume_path})
     * @throws VolumeException INVALID_ARGUMENT naming {@code field}
     */
    public Path confine(String field, String raw) {
        if (raw.isEmpty()) {
            throw VolumeException.invalid(field + " is required");
        }
        if (raw.indexOf('\0') >= 0) {
            throw VolumeException.invalid(field + " contains a NUL character");
        }
        if (raw.length() >= PATH_MAX) {
            throw VolumeException.invalid(
                    field + " is " + raw.length() + " characters long; the limit is " + (PATH_MAX - 1));
        }
        if (!raw.startsWith("/")) {
            throw VolumeException.invalid(field + " must be an absolute path: " + quote(raw));
        }
        String[] segments = raw.substring(1).split("/", -1);
        for (String segment : segments) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw VolumeException.invalid(
                        field + " must be a normalized path (no empty, '.' or '..' " + "segments): " + quote(raw));
            }
            if (segment.length() > NAME_MAX) {
                throw VolumeException.invalid(field + " has a path segment longer than " + NAME_MAX + " characters");
            }
        }
        Path path = Path.of(raw);
        if (!path.startsWith(podsDir) || path.getNameCount() <= podsDir.getNameCount()) {
            throw VolumeException.invalid(
                    field + " must be below the kubelet pods directory " + podsDir + ": " + quote(raw));
        }
        rejectLinkedParents(field, path);
        return path;
    }

    /**
     * Resolves a confined {@code target}'s parent beneath the pods directory without following any symlink, and holds
     * it (see {@link dev.spiffecsi.spi.MountSyscalls#resolveBeneath}). The caller closes the result.
     *
     * @return empty if the parent does not exist
     * @throws VolumeException INVALID_ARGUMENT naming {@code field} if a component is (now) a symlink or not a
     *                         directory, INTERNAL on any other failure
     */
    public Optional<OpenedTarget> open(String field, Path target) {
        try {
            return Optional.of(resolver.resolve(podsDir, target));
        } catch (MountSyscalls.ErrnoException e) {
            return switch (e.errno()) {
                case MountSyscalls.ENOENT -> Optional.empty();
                case MountSyscalls.ELOOP ->
                    throw VolumeException.invalid(field + " " + target
                            + " passes through a symlink below the kubelet pods directory; refusing to follow it");
                case MountSyscalls.ENOTDIR ->
                    throw VolumeException.invalid(field + " " + target
                            + " passes through something that is not a directory below the kubelet pods directory");
                default ->
                    throw new VolumeException(
                            VolumeException.Reason.INTERNAL,
                            "cannot resolve " + field + " " + target + " beneath the kubelet pods directory: "
                                    + e.getMessage(),
                            e);
            };
        }
    }

    private void rejectLinkedParents(String field, Path path) {
        Path current = podsDir;
        for (int i = podsDir.getNameCount(); i < path.getNameCount() - 1; i++) {
            current = current.resolve(path.getName(i));
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(current, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return; // nothing below a missing directory exists either
            } catch (IOException e) {
                throw new VolumeException(
                        VolumeException.Reason.INTERNAL,
                        "cannot inspect " + quote(current.toString()) + " while checking " + field + ": "
                                + e.getMessage(),
                        e);
            }
            if (attributes.isSymbolicLink()) {
                throw VolumeException.invalid(field + " passes through a symlink at " + quote(current.toString())
                        + "; refusing to follow it");
            }
            if (!attributes.isDirectory()) {
                throw VolumeException.invalid(
                        field + " passes through " + quote(current.toString()) + ", which is not a directory");
            }
        }
    }

    /** The caller's path in a message: bounded, control characters escaped (a pod can choose parts of it). */
    private static String quote(String raw) {
        return LogSafe.value(raw, 200);
    }
}
