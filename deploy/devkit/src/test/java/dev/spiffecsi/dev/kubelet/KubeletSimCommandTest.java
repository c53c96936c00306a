package dev.spiffecsi.dev.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.dev.testing.RunningNode;
import dev.spiffecsi.driver.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code kubelet-sim} against a running driver (symlink-dev, which needs no privilege). */
class KubeletSimCommandTest {

    private RunningNode node;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        node = RunningNode.start("symlink-dev");
    }

    @AfterEach
    void tearDown() throws Exception {
        node.close();
    }

    private int run(String... args) {
        List<String> command = new ArrayList<>(List.of("kubelet-sim"));
        command.addAll(List.of(args));
        command.addAll(List.of(
                "-csi-socket",
                node.layout().csiSocket().toString(),
                "-pods-dir",
                node.layout().podsDir().toString()));
        return Main.run(
                command,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void publishPrintsTheTargetPathAndUnpublishTakesTheVolumeAway() {
        assertEquals(0, run("publish", "-pod-uid", "uid-1", "-pod-name", "api"), err.toString(StandardCharsets.UTF_8));
        Path target = Path.of(out.toString(StandardCharsets.UTF_8).strip());

        assertEquals(
                node.layout().podsDir().resolve("uid-1/volumes/kubernetes.io~csi/spiffe-workload-api/mount"), target);
        assertTrue(Files.isSymbolicLink(target));
        assertEquals(0, run("unpublish", "-pod-uid", "uid-1"), err.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void withoutAnActionItFailsNamingTheActions() {
        assertEquals(1, run("-pod-uid", "uid-1"));
        assertTrue(
                err.toString(StandardCharsets.UTF_8).contains("publish or unpublish"),
                err.toString(StandardCharsets.UTF_8));
    }
}
