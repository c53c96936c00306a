package dev.spiffecsi.engine.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only an empty directory is ever removed; a file, a symlink or content stay. */
class EmptyDirectoryTest {

    @TempDir
    Path dir;

    @Test
    void anEmptyDirectoryIsRemovedAndAMissingOneIsFine() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertEquals(EmptyDirectory.Outcome.REMOVED, EmptyDirectory.remove(empty));
        assertTrue(Files.notExists(empty));
        assertEquals(EmptyDirectory.Outcome.MISSING, EmptyDirectory.remove(empty));
    }

    @Test
    void filesSymlinksAndContentStay() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        Path target = Files.createDirectory(dir.resolve("target"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        Path full = Files.createDirectory(dir.resolve("full"));
        Files.writeString(full.resolve("inside"), "y");

        assertEquals(EmptyDirectory.Outcome.NOT_A_DIRECTORY, EmptyDirectory.remove(file));
        assertEquals(EmptyDirectory.Outcome.NOT_A_DIRECTORY, EmptyDirectory.remove(link));
        assertEquals(EmptyDirectory.Outcome.NOT_EMPTY, EmptyDirectory.remove(full));
        assertTrue(Files.isRegularFile(file)
                && Files.isSymbolicLink(link)
                && Files.isDirectory(target)
                && Files.isRegularFile(full.resolve("inside")));
    }
}
