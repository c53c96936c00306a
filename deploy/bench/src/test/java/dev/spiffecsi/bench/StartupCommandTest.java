package dev.spiffecsi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spiffecsi.driver.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench-startup} against the real driver as a separate JVM (symlink-dev: no privilege needed). */
class StartupCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(List<String> args) {
        return Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static List<String> driverCommand(Path dir, String... extra) throws IOException {
        Files.createDirectories(dir.resolve("agent"));
        Files.createDirectories(dir.resolve("pods"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "serve",
                "-node-id",
                "bench-node",
                "-backend",
                "symlink-dev",
                "-workload-api-socket-dir",
                dir.resolve("agent").toString(),
                "-kubelet-pods-dir",
                dir.resolve("pods").toString(),
                "-state-dir",
                dir.resolve("state").toString()));
        command.addAll(List.of(extra));
        return command;
    }

    @Test
    void measuresReadinessAndMemoryOfEachRun(@TempDir Path dir) throws IOException {
        List<String> args = new ArrayList<>(List.of("bench-startup", "-runs", "2", "-warmup-runs", "0", "-json", "--"));
        args.addAll(
                driverCommand(dir, "-csi-socket-path", dir.resolve("csi.sock").toString()));

        assertEquals(0, run(args), err::toString);

        JsonNode report = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(2, report.get("runs").size());
        assertEquals(dir.resolve("csi.sock").toString(), report.get("socket").asText());
        for (JsonNode run : report.get("runs")) {
            assertTrue(run.get("readyMs").asDouble() > 0, run::toString);
            assertTrue(run.get("rssKiB").asLong() > 1024, run::toString);
            assertTrue(run.get("threads").asInt() > 1, run::toString);
        }
        for (String stats : List.of("readyMs", "rssMiB")) {
            JsonNode s = report.get(stats);
            assertTrue(
                    s.get("min").asDouble() <= s.get("median").asDouble()
                            && s.get("median").asDouble() <= s.get("max").asDouble(),
                    s::toString);
        }
        assertFalse(Files.exists(dir.resolve("csi.sock")), "the driver was stopped and removed its socket");
    }

    @Test
    void aDriverThatExitsEarlyFailsWithItsOutput(@TempDir Path dir) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "bench-startup",
                "-runs",
                "1",
                "-warmup-runs",
                "0",
                "-socket",
                dir.resolve("csi.sock").toString(),
                "--"));
        args.addAll(driverCommand(dir, "-backend", "no-such-backend"));

        assertEquals(1, run(args));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("exited with code"), err::toString);
    }

    @Test
    void withoutACommandOrASocketItSaysWhatIsMissing() {
        assertEquals(1, run(List.of("bench-startup", "-runs", "1")));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("needs the driver command"), err::toString);
        assertEquals(2, run(List.of("bench-startup", "--", "true")), "a usage error");
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("-socket is required"), err::toString);
    }
}
