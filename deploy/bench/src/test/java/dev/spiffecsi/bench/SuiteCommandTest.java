package dev.spiffecsi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.driver.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code bench-suite} end to end at a small scale, against the real driver as a separate JVM (symlink-dev). */
class SuiteCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(List<String> args) {
        return Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** The driver's launcher: this JVM's java and class path, as the suite appends serve and the node's flags. */
    private static List<String> launcher() {
        return List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName());
    }

    @Test
    void runsEveryScenarioAndReportsOneTable() {
        List<String> args = new ArrayList<>(List.of(
                "bench-suite",
                "-backend",
                "symlink-dev",
                "-rounds",
                "2",
                "-storm-volumes",
                "12",
                "-concurrency",
                "3",
                "-sequential-volumes",
                "5",
                "-background-mounts",
                "0",
                "-startup-runs",
                "1",
                "--"));
        args.addAll(launcher());

        assertEquals(0, run(args), err::toString);

        String table = out.toString(StandardCharsets.UTF_8);
        for (String row : List.of(
                "storm 1 (12x3 held) publish",
                "storm 2 (12x3 held) republish",
                "storm 2 (12x3 held) unpublish",
                "sequential publish",
                "sequential unpublish",
                "idle (ready, before any volume)",
                "after 2 storms",
                "start-up to ready: median")) {
            assertTrue(table.contains(row), () -> row + " missing from:\n" + table);
        }
        assertTrue(table.contains("12/12") && table.contains("5/5"), table);
        assertTrue(table.contains("driver JVM: " + System.getProperty("java.home")), table);
    }

    @Test
    void jsonHoldsEveryRoundAndTheMemorySamples() throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "bench-suite",
                "-backend",
                "symlink-dev",
                "-rounds",
                "1",
                "-storm-volumes",
                "4",
                "-concurrency",
                "2",
                "-sequential-volumes",
                "3",
                "-background-mounts",
                "0",
                "-startup-runs",
                "0",
                "-json",
                "--"));
        args.addAll(launcher());

        assertEquals(0, run(args), err::toString);

        JsonNode report = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(1, report.get("storms").size());
        assertEquals(
                4,
                report.get("storms")
                        .get(0)
                        .get("phases")
                        .get("publish")
                        .get("ok")
                        .asInt());
        assertTrue(report.get("idle").get("rssKiB").asLong() > 1024, report::toString);
        assertTrue(report.get("afterStorms").get("rssKiB").asLong() > 1024, report::toString);
        assertTrue(
                report.get("startup").isNull()
                        || report.get("startup").isMissingNode()
                        || report.get("startup").isEmpty(),
                "no start-up runs were asked for: " + report.get("startup"));
        assertEquals(0, report.get("exitCode").asInt());
    }

    @Test
    void theLauncherIsRequired() {
        assertThrows(ConfigException.class, () -> SuiteOptions.parse(List.of("-rounds", "1"), "symlink-dev"));
        assertEquals(2, run(List.of("bench-suite", "-rounds", "0", "--", "x")), "rounds must be at least 1");
    }
}
