package dev.spiffecsi.backend.fuseproxy.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    @Test
    void aFileOpenBeforeItWasRemovedKeepsItsSnapshotForSeekToEnd() throws Exception {
        Privileges.assumeCanMountPrivately();
        Path target = Files.createTempDirectory("sf");
        ServedFiles served = new ServedFiles(Clock.systemUTC());
        byte[] token = "header.payload.signature".getBytes(StandardCharsets.US_ASCII);
        served.replace(new FileSet(List.of(new ServedFile("vault.jwt-svid.token", 0444, 0, 0,
                FileContent.ofSecret(token.clone()), Instant.now()))));
        FuseOptions options = FuseOptions.defaults(new JnaMountSyscalls(),
                System.getLogger(ServedFilesMountTest.class.getName()));
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
}
