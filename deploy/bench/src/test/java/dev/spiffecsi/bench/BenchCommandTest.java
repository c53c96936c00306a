package dev.spiffecsi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spiffecsi.dev.demo.Leftovers;
import dev.spiffecsi.dev.testing.RunningNode;
import dev.spiffecsi.driver.Main;
import dev.spiffecsi.spi.contract.Privileges;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench} against the real driver started in this JVM (so {@code -pid} is this process): counts, report
 * fields and cleanup. No time is asserted: these run on any CI machine.
 */
class BenchCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SELF = Long.toString(ProcessHandle.current().pid());

    private RunningNode node;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void tearDown() throws IOException {
        if (node != null) {
            node.close();
        }
    }

    private int bench(String... flags) {
        List<String> args = new ArrayList<>(List.of(
                "bench",
                "-endpoint",
                "unix://" + node.layout().csiSocket(),
                "-pods-dir",
                node.layout().podsDir().toString()));
        args.addAll(List.of(flags));
        return Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private JsonNode stormWithHoldAndRepublish(String... extra) throws IOException {
        List<String> flags = new ArrayList<>(
                List.of("-volumes", "20", "-concurrency", "4", "-hold", "-repeat-publish", "2", "-pid", SELF, "-json"));
        flags.addAll(List.of(extra));
        assertEquals(0, bench(flags.toArray(String[]::new)), err::toString);
        JsonNode report = JSON.readTree(out.toString(StandardCharsets.UTF_8));

        assertPhase(report, "publish", 20);
        assertPhase(report, "republish", 40);
        assertPhase(report, "unpublish", 20);
        assertEquals(0, report.get("errors").size(), report::toPrettyString);
        assertEquals(List.of("publish", "republish", "unpublish"), fieldNames(report.get("phases")));
        JsonNode memory = report.get("memory");
        assertEquals(ProcessHandle.current().pid(), memory.get("pid").asLong());
        for (String sample : List.of("before", "peak", "after")) {
            for (String field : List.of("rssKiB", "hwmKiB", "threads", "openFds")) {
                assertTrue(memory.get(sample).get(field).asLong() > 0, sample + "." + field + " in " + memory);
            }
        }
        assertTrue(memory.get("peak").get("rssKiB").asLong()
                >= memory.get("before").get("rssKiB").asLong());
        JsonNode cleanup = report.get("cleanup");
        assertEquals(0, cleanup.get("problems").size(), cleanup::toPrettyString);
        assertEquals(20, cleanup.get("podDirectoriesRemoved").asInt());
        assertEquals(0, cleanup.get("volumesUnpublished").asInt());
        assertEquals("csi.spiffe.io", report.get("driver").get("name").asText());
        assertNothingLeftBelow(node.layout().podsDir());
        return report;
    }

    private static void assertPhase(JsonNode report, String name, int calls) {
        JsonNode phase = report.get("phases").get(name);
        assertEquals(calls, phase.get("attempted").asInt(), name);
        assertEquals(calls, phase.get("ok").asInt(), name);
        assertEquals(0, phase.get("errors").size(), name);
        assertTrue(phase.get("throughputPerSecond").asDouble() > 0, name);
        assertTrue(phase.get("wallMs").asDouble() > 0, name);
        JsonNode latency = phase.get("latency");
        assertEquals(calls, latency.get("count").asInt(), name);
        for (String field : List.of("minMs", "meanMs", "p50Ms", "p90Ms", "p99Ms", "maxMs")) {
            assertTrue(latency.get(field).isNumber() && latency.get(field).asDouble() > 0, name + " " + field);
        }
        assertTrue(latency.get("p50Ms").asDouble() <= latency.get("p99Ms").asDouble());
        assertTrue(latency.get("p99Ms").asDouble() <= latency.get("maxMs").asDouble());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static void assertNothingLeftBelow(Path podsDir) throws IOException {
        try (Stream<Path> entries = Files.list(podsDir)) {
            assertEquals(List.of(), entries.toList(), "pod directories left");
        }
        assertEquals(List.of(), Leftovers.mountsBelow(podsDir), "mounts left below the pods directory");
    }

    private static List<String> benchMounts() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(line -> line.contains("spiffecsi-bench-mounts"))
                .toList();
    }

    @Test
    void symlinkDevStormHeldAndReplayed() throws IOException {
        node = RunningNode.start("symlink-dev");
        JsonNode report = stormWithHoldAndRepublish();
        assertEquals(0, report.get("settings").get("backgroundMounts").asInt());
        assertTrue(report.get("settings").get("hold").asBoolean());
    }

    @Test
    void bindMountStormAmongBackgroundMounts() throws IOException {
        Privileges.assumeCanMountPrivately();
        node = RunningNode.start("bindmount");
        int entriesBefore = Files.readAllLines(Path.of("/proc/self/mountinfo")).size();

        JsonNode report = stormWithHoldAndRepublish("-background-mounts", "50");

        assertTrue(report.get("mountTableEntries").asInt() >= entriesBefore + 50, report::toPrettyString);
        assertEquals(50, report.get("cleanup").get("backgroundMountsRemoved").asInt());
        assertEquals(List.of(), benchMounts(), "background mounts left");
        assertEquals(
                entriesBefore,
                Files.readAllLines(Path.of("/proc/self/mountinfo")).size());
        try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertFalse(
                    tmp.anyMatch(p -> p.getFileName().toString().startsWith("spiffecsi-bench-mounts")),
                    "background mount directories left");
        }
    }

    @Test
    void unheldStormPrintsATextReport() throws IOException {
        node = RunningNode.start("symlink-dev");
        assertEquals(
                0,
                bench("-volumes", "10", "-concurrency", "2", "-repeat-publish", "1", "-warmup", "2", "-pid", SELF),
                err::toString);
        String text = out.toString(StandardCharsets.UTF_8);
        for (String expected : List.of(
                "csi.spiffe.io",
                "publish",
                "republish",
                "unpublish",
                "p50 ms",
                "p99 ms",
                "10/10",
                "errors     none",
                "RSS MiB",
                "peak",
                "nothing left")) {
            assertTrue(text.contains(expected), () -> "no \"" + expected + "\" in\n" + text);
        }
        assertNothingLeftBelow(node.layout().podsDir());
    }

    @Test
    void refusedCallsAreCountedByCodeAndPublishedNothingIsLeft(@TempDir Path wrongPodsDir) throws IOException {
        node = RunningNode.start("symlink-dev");
        List<String> args = List.of(
                "bench",
                "-endpoint",
                node.layout().csiSocket().toString(),
                "-pods-dir",
                wrongPodsDir.toString(),
                "-volumes",
                "3",
                "-concurrency",
                "2",
                "-hold",
                "-json");
        assertEquals(
                1,
                Main.run(
                        args,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8)));
        JsonNode report = JSON.readTree(out.toString(StandardCharsets.UTF_8));

        JsonNode publish = report.get("phases").get("publish");
        assertEquals(3, publish.get("attempted").asInt());
        assertEquals(0, publish.get("ok").asInt());
        assertEquals(0, publish.get("latency").get("count").asInt());
        assertTrue(publish.get("latency").get("p50Ms").isNull());
        assertEquals(3, report.get("errors").get("INVALID_ARGUMENT").asInt(), report::toPrettyString);
        assertEquals(0, report.get("phases").get("unpublish").get("attempted").asInt());
        // the driver refused, but the bench cannot know that nothing was published: it says what it kept
        assertEquals(3, report.get("cleanup").get("problems").size(), report::toPrettyString);
        assertNothingLeftBelow(node.layout().podsDir());
    }

    @Test
    void anEndpointThatNeverAnswersFailsAfterTheTimeout(@TempDir Path dir) {
        int code = Main.run(
                List.of(
                        "bench",
                        "-endpoint",
                        dir.resolve("none.sock").toString(),
                        "-pods-dir",
                        dir.toString(),
                        "-volumes",
                        "1",
                        "-connect-timeout",
                        "1s"),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("is not ready after"), err::toString);
    }
}
