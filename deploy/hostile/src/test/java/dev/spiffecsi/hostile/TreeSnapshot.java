package dev.spiffecsi.hostile;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything below a directory, links not followed: each entry's type, permissions, owner, size and link target.
 * Two snapshots differ when anything was created, removed, retyped, chmod-ed, chown-ed, resized or relinked below
 * it; timestamps are left out (reading a file is no change).
 */
record TreeSnapshot(Path root, Map<String, String> entries) {

    static TreeSnapshot of(Path root) throws IOException {
        return of(root, path -> false);
    }

    /** The same, leaving out the entries (and what is below them) that {@code skipped} accepts. */
    static TreeSnapshot of(Path root, java.util.function.Predicate<Path> skipped) throws IOException {
        Map<String, String> entries = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path directory, java.nio.file.attribute.BasicFileAttributes a)
                    throws IOException {
                if (skipped.test(directory)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                entries.put(name(directory), describe(directory));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes a)
                    throws IOException {
                if (!skipped.test(file)) {
                    entries.put(name(file), describe(file));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException failure) {
                entries.put(name(file), "unreadable: " + failure.getMessage());
                return FileVisitResult.CONTINUE;
            }

            private String name(Path path) {
                String relative = root.relativize(path).toString();
                return relative.isEmpty() ? "." : relative;
            }
        });
        return new TreeSnapshot(root, entries);
    }

    private static String describe(Path path) throws IOException {
        PosixFileAttributes attributes =
                Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String type = attributes.isSymbolicLink()
                ? "link -> " + Files.readSymbolicLink(path)
                : attributes.isDirectory()
                        ? "dir"
                        : attributes.isRegularFile() ? "file " + attributes.size() + " bytes" : "other";
        String mode = attributes.isSymbolicLink() ? "" : " " + PosixFilePermissions.toString(attributes.permissions());
        return type + mode + " " + attributes.owner().getName() + ":"
                + attributes.group().getName();
    }

    /** What changed from this snapshot to {@code later}, one line per entry; empty when nothing did. */
    List<String> changesTo(TreeSnapshot later) {
        List<String> changes = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(entries.keySet());
        names.addAll(later.entries.keySet());
        for (String name : names) {
            String before = entries.get(name);
            String after = later.entries.get(name);
            if (!Objects.equals(before, after)) {
                changes.add(root.resolve(name) + ": "
                        + (before == null
                                ? "created (" + after + ")"
                                : after == null ? "removed (was " + before + ")" : before + " -> " + after));
            }
        }
        return changes;
    }
}
