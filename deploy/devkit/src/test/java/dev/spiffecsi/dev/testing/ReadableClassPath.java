package dev.spiffecsi.dev.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A copy of this JVM's class path that any user can read, for a child JVM run as another uid: the originals
 * live in root's home (the Maven repository), which other users cannot enter.
 */
public final class ReadableClassPath {

    private ReadableClassPath() {}

    /** Copies every class path entry below {@code directory} (world-readable) and returns the new class path. */
    public static String copyTo(Path directory) throws IOException {
        List<String> copies = new ArrayList<>();
        int index = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.exists(source)) {
                continue;
            }
            Path copy = directory.resolve(index++ + "-" + source.getFileName());
            copyReadable(source, copy);
            copies.add(copy.toString());
        }
        try (Stream<Path> tree = Files.walk(directory)) {
            tree.forEach(ReadableClassPath::makeReadable);
        }
        return String.join(File.pathSeparator, copies);
    }

    private static void copyReadable(Path source, Path copy) throws IOException {
        if (!Files.isDirectory(source)) {
            Files.copy(source, copy, StandardCopyOption.COPY_ATTRIBUTES);
            return;
        }
        try (Stream<Path> tree = Files.walk(source)) {
            for (Path path : (Iterable<Path>) tree::iterator) {
                Path target = copy.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
    }

    private static void makeReadable(Path path) {
        try {
            Files.setPosixFilePermissions(
                    path, PosixFilePermissions.fromString(Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
