package dev.spiffecsi.backend.fuseproxy.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.contract.Privileges;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Files served from memory through a real mount, opened before the set that held them is replaced. */
class ServedFilesMountTest {

    private interface C extends Library {
        C INSTANCE = Native.load("c", C.class);

        int open(String path, int flags) throws LastErrorException;

        long lseek(int fd, long offset, int whence) throws LastErrorException;

        long read(int fd, Memory buffer, long count) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final int SEEK_SET = 0;
    private static final int SEEK_END = 2;
    private static final int EMFILE = 24;

    @Test
    void aFileOpenBeforeItWasRemovedKeepsItsSnapshotForSeekToEnd() throws Exception {
        Privileges.assumeCanMountPrivately();
        Path target = Files.createTempDirectory("sf");
        ServedFiles served = new ServedFiles(Clock.systemUTC());
        byte[] token = "header.payload.signature".getBytes(StandardCharsets.US_ASCII);
        served.replace(new FileSet(List.of(new ServedFile(
                "vault.jwt-svid.token", 0444, 0, 0, FileContent.ofSecret(token.clone()), Instant.now()))));
        FuseOptions options =
                FuseOptions.defaults(new JnaMountSyscalls(), System.getLogger(ServedFilesMountTest.class.getName()));
        try (FuseMount mount = FuseMount.mount(target, Optional.empty(), served, options)) {
            int fd = C.INSTANCE.open(target.resolve("vault.jwt-svid.token").toString(), 0);
            try {
                // the token expired without a successor: the file goes, the open file keeps its snapshot
                served.replace(FileSet.EMPTY);
                // fseek(f, 0, SEEK_END); ftell(f): how many C programs size a file before reading it
                assertEquals(token.length, C.INSTANCE.lseek(fd, 0, SEEK_END));
                C.INSTANCE.lseek(fd, 0, SEEK_SET);
                Memory buffer = new Memory(256);
                assertEquals(token.length, C.INSTANCE.read(fd, buffer, 256));
            } finally {
                C.INSTANCE.close(fd);
            }
        } finally {
            Files.deleteIfExists(target);
        }
    }

    @Test
    void anOpenPastTheMountsBoundFailsWithEmfile() throws Exception {
        Privileges.assumeCanMountPrivately();
        Path target = Files.createTempDirectory("sf");
        ServedFiles served = new ServedFiles(Clock.systemUTC(), 2, () -> {});
        served.replace(new FileSet(List.of(new ServedFile(
                "bundle.pem",
                0444,
                0,
                0,
                FileContent.ofPublic("bundle".getBytes(StandardCharsets.US_ASCII)),
                Instant.now()))));
        FuseOptions options =
                FuseOptions.defaults(new JnaMountSyscalls(), System.getLogger(ServedFilesMountTest.class.getName()));
        try (FuseMount mount = FuseMount.mount(target, Optional.empty(), served, options)) {
            String file = target.resolve("bundle.pem").toString();
            int first = C.INSTANCE.open(file, 0);
            int second = C.INSTANCE.open(file, 0);
            try {
                LastErrorException refused = assertThrows(LastErrorException.class, () -> C.INSTANCE.open(file, 0));
                assertEquals(EMFILE, refused.getErrorCode());
            } finally {
                C.INSTANCE.close(first);
                C.INSTANCE.close(second);
            }
            // RELEASE reaches the filesystem after close(2) returns: the next open succeeds once it has
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (true) {
                try {
                    C.INSTANCE.close(C.INSTANCE.open(file, 0));
                    break;
                } catch (LastErrorException e) {
                    if (e.getErrorCode() != EMFILE || System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(10);
                }
            }
        } finally {
            Files.deleteIfExists(target);
        }
    }
}
