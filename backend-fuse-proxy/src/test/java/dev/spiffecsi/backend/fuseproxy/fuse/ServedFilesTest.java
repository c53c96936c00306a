package dev.spiffecsi.backend.fuseproxy.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.spiffecsi.backend.fuseproxy.fuse.wire.OpenIn;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The bound on a mount's open files: what a pod that opens its credential files in a loop gets. */
class ServedFilesTest {

    private static final byte[] NAME = "svid.pem".getBytes(StandardCharsets.UTF_8);

    @Test
    void anOpenPastTheBoundFailsWithEmfileUntilAHandleIsReleased() throws Exception {
        AtomicInteger refused = new AtomicInteger();
        ServedFiles served = new ServedFiles(Clock.systemUTC(), 3, refused::incrementAndGet);
        served.replace(new FileSet(List.of(new ServedFile(
                "svid.pem",
                0444,
                0,
                0,
                FileContent.ofPublic("certificate".getBytes(StandardCharsets.US_ASCII)),
                Instant.now()))));
        long node = served.lookup(NAME).ino();
        List<Long> handles = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            handles.add(served.open(node, OpenIn.O_RDONLY));
        }

        for (int i = 0; i < 100; i++) {
            assertEquals(
                    Errno.EMFILE,
                    assertThrows(FuseError.class, () -> served.open(node, OpenIn.O_RDONLY))
                            .errno());
        }
        assertEquals(100, refused.get(), "each refusal is reported (the caller rate-limits its log line)");
        assertEquals(3, served.openHandles());

        served.release(handles.get(0));
        long reopened = served.open(node, OpenIn.O_RDONLY);
        assertEquals(3, served.openHandles());
        served.release(reopened);
        served.close();
    }
}
