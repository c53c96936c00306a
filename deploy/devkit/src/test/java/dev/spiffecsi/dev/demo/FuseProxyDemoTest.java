package dev.spiffecsi.dev.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.driver.Main;
import dev.spiffecsi.spi.contract.Privileges;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code demo -backend fuse-proxy}: root in a private mount namespace only, where the demo runs in this process
 * (elsewhere it would start itself again under unshare, or refuse).
 */
class FuseProxyDemoTest {

    /** The pod's own identity, which only the proxy can have obtained: the agent gives this process another. */
    private static final String POD_UPDATE = """
             and received:
            Update:
              SVIDs:
                spiffe://example.org/ns/default/sa/default
              Bundles:
                example.org (1 authorities)
            """;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void theWorkloadReceivesItsPodsIdentityThroughTheProxyAndNothingIsLeft() {
        Privileges.assumeCanMountPrivately();

        int exit = new DemoCommand("test", Main.class)
                .run(
                        List.of("-backend", "fuse-proxy"),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));

        String output = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, output + err.toString(StandardCharsets.UTF_8));
        assertTrue(output.contains("and the Delegated Identity API on unix://"), output);
        assertTrue(output.contains("with backend fuse-proxy {identity=pod-selectors}"), output);
        assertTrue(output.contains(POD_UPDATE + "[5/5] "), output);
        Matcher node = Pattern.compile("unix://(/tmp/sc\\d+)/csi\\.sock").matcher(output);
        assertTrue(node.find(), output);
        assertTrue(Files.notExists(Path.of(node.group(1))), node.group(1) + " is left");
    }

    /** {@code -files}: the volume's files are listed with their modes and sizes, and the pod's SPIFFE ID read. */
    @Test
    void withFilesTheCredentialFilesAreListedAndTheirSpiffeIdReadAndNothingIsLeft() {
        Privileges.assumeCanMountPrivately();

        int exit = new DemoCommand("test", Main.class)
                .run(
                        List.of("-backend", "fuse-proxy", "-files"),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));

        String output = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, output + err.toString(StandardCharsets.UTF_8));
        assertTrue(output.contains(POD_UPDATE + "[5/6] "), "the socket still works beside the files: " + output);
        assertTrue(
                Pattern.compile("file   0400 0:0 +\\d+  credential-bundle\\.private-key\\.x509\\.pem")
                        .matcher(output)
                        .find(),
                output);
        assertTrue(
                Pattern.compile("file   0444 0:0 +\\d+  example\\.org\\.spiffe-trust-bundle\\.x509\\.pem")
                        .matcher(output)
                        .find(),
                output);
        assertTrue(
                Pattern.compile("socket 0666 0:0 +0  agent\\.sock")
                        .matcher(output)
                        .find(),
                output);
        assertTrue(
                output.contains("the SPIFFE ID in credential-bundle.private-key.x509.pem: "
                        + "spiffe://example.org/ns/default/sa/default\n[6/6] "),
                output);
        Matcher node = Pattern.compile("unix://(/tmp/sc\\d+)/csi\\.sock").matcher(output);
        assertTrue(node.find(), output);
        assertTrue(Files.notExists(Path.of(node.group(1))), node.group(1) + " is left");
    }

    @Test
    void filesNeedTheFuseProxyBackend() {
        int exit = new DemoCommand("test", Main.class)
                .run(
                        List.of("-backend", "symlink-dev", "-files"),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));

        assertEquals(2, exit);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("-files needs -backend fuse-proxy"));
    }
}
