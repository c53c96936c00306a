package com.example.spiffecsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example's jar, as {@code package} built it, dropped into the {@code plugins/} of the production distribution
 * as the README tells a third party to: the launcher finds it, {@code backends} lists it with its jar, and the
 * driver serves with {@code --backend example-link}. The distribution is a private copy (its launcher, a link to
 * its {@code lib/}, its own {@code plugins/}), so that the built one keeps its empty {@code plugins/}.
 */
class ExamplePluginIT {

    private static final Path DIST = Path.of(System.getProperty("spiffecsi.dist", "../driver/target/dist"));
    private static final Path JAR = Path.of(System.getProperty("spiffecsi.exampleJar", "target/example-backend.jar"));

    /** Short: the CSI socket's path must fit the 107 bytes of a Unix socket address. */
    @TempDir
    Path scratch;

    private Path launcher;

    @BeforeEach
    void distributionWithTheExampleInPlugins() throws IOException {
        assertTrue(Files.isExecutable(DIST.resolve("bin/spiffe-csi-driver")), DIST + " after deploy/driver's package");
        assertTrue(Files.isRegularFile(JAR), JAR + " after this module's package");
        Path dist = scratch.resolve("dist");
        launcher = Files.copy(
                DIST.resolve("bin/spiffe-csi-driver"),
                Files.createDirectories(dist.resolve("bin")).resolve("spiffe-csi-driver"),
                StandardCopyOption.COPY_ATTRIBUTES);
        Files.createSymbolicLink(dist.resolve("lib"), DIST.resolve("lib").toAbsolutePath());
        Files.copy(JAR, Files.createDirectories(dist.resolve("plugins")).resolve(JAR.getFileName()));
    }

    @Test
    void backendsListsTheExampleWithItsJarInPlugins() throws Exception {
        Process backends = new ProcessBuilder(launcher.toString(), "backends")
                .redirectErrorStream(true)
                .start();
        String output = new String(backends.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertEquals(0, backends.waitFor(), output);
        assertTrue(output.contains(ExampleProvider.NAME + " "), output);
        assertTrue(output.contains("plugins/" + JAR.getFileName()), output);
    }

    /**
     * Started with the example selected, the driver says it started with it as its backend and serves CSI: the
     * provider was found in plugins/ and created. The timeout only keeps a hung driver from hanging the build.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theDriverServesWithTheExampleSelected() throws Exception {
        Path node = scratch.resolve("n");
        Path socket = node.resolve("csi.sock");
        Path log = node.resolve("driver.log");
        List<String> command = new ArrayList<>(List.of(
                launcher.toString(),
                "-node-id",
                "n1",
                "--backend",
                ExampleProvider.NAME,
                "-workload-api-socket-dir",
                Files.createDirectories(node.resolve("agent")).toString(),
                "-csi-socket-path",
                socket.toString(),
                "--kubelet-pods-dir",
                Files.createDirectories(node.resolve("pods")).toString(),
                "--state-dir",
                node.resolve("state").toString()));
        Process driver = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        String started = "started: plugin=csi.spiffe.io node=n1 backend=" + ExampleProvider.NAME + " ";
        try {
            while (!Files.readString(log).contains(started) && driver.isAlive()) {
                Thread.sleep(20);
            }
            assertTrue(driver.isAlive(), "the driver stopped: " + Files.readString(log));
            assertTrue(Files.exists(socket), "serving CSI on " + socket + ": " + Files.readString(log));
        } finally {
            // its exit status is not this test's: a SIGTERM right after start can come before the handler is set
            driver.destroyForcibly();
            driver.waitFor();
        }
    }
}
