package dev.spiffecsi.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code spiffe-csi-driver demo}, run as the CLI runs it. As root in a private mount namespace it uses the
 * bindmount backend, elsewhere symlink-dev; either way it must print the workload's identity and leave nothing.
 */
class DemoCommandTest {

    private static final String UPDATE = """
            Update:
              SVIDs:
                spiffe://example.org/workload
              Bundles:
                example.org (1 authorities)
            """;
    private static final Pattern NODE = Pattern.compile("unix://(/tmp/sc\\d+)/csi\\.sock");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int demo(String... args) {
        return Main.run(
                Stream.concat(Stream.of("demo"), Stream.of(args)).toList(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsWhatTheWorkloadReceivesThroughThePublishedVolumeAndCleansUp() {
        assertEquals(0, demo(), output() + err);

        assertTrue(output().contains(" and received:\n" + UPDATE + "[5/5] "), output());
        assertNodeIsGone();
    }

    @Test
    void runsWithTheUnprivilegedBackendOnRequest() {
        assertEquals(0, demo("-backend", "symlink-dev"), output() + err);

        assertTrue(output().contains("with backend symlink-dev"), output());
        assertTrue(output().contains(UPDATE), output());
        assertNodeIsGone();
    }

    @Test
    void aFailureNamesTheStepAndStillCleansUp() {
        assertEquals(1, demo("-backend", "no-such-backend"));

        assertTrue(
                err.toString(StandardCharsets.UTF_8)
                        .contains(
                                "demo failed at step 2/5 (start the driver): " + "unknown backend \"no-such-backend\""),
                err.toString(StandardCharsets.UTF_8));
        Matcher agent = Pattern.compile("unix://(/tmp/sc\\d+)/agent/").matcher(output());
        assertTrue(agent.find(), output());
        assertTrue(Files.notExists(Path.of(agent.group(1))), agent.group(1) + " is left");
    }

    private void assertNodeIsGone() {
        Matcher node = NODE.matcher(output());
        assertTrue(node.find(), output());
        assertTrue(Files.notExists(Path.of(node.group(1))), node.group(1) + " is left");
    }
}
