package dev.spiffecsi.driver.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.spiffecsi.config.LogSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Every record (SLF4J, System.Logger, the JDK's own) through one handler, at the level the driver asked for. */
class LogSetupTest {

    private final PrintStream originalErr = System.err;

    @AfterEach
    void restore() {
        System.setErr(originalErr);
        LogSetup.apply(new LogSettings("info", LogSettings.Format.TEXT));
    }

    /** What {@code logging} wrote to standard error with {@code settings} applied. */
    private String captured(LogSettings settings, Runnable logging) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        LogSetup.apply(settings); // the console handler takes System.err as it is now
        logging.run();
        System.err.flush();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void debugShowsTheDriversRecordsButNotTheJdksOrTheLibrariesInternals() {
        String out = captured(new LogSettings("debug", LogSettings.Format.TEXT), () -> {
            LoggerFactory.getLogger("dev.spiffecsi.engine.volume.VolumeEngine").debug("volume {} published", "v1");
            System.getLogger("dev.spiffecsi.backend.bindmount").log(System.Logger.Level.DEBUG, "bind-mounted");
            // what ProcessBuilder and Runtime.exit log at debug, with a stack trace that reads like an error
            System.getLogger("java.lang.ProcessBuilder")
                    .log(
                            System.Logger.Level.DEBUG,
                            "ProcessBuilder.start()",
                            new RuntimeException("ProcessBuilder.start() debug"));
            LoggerFactory.getLogger("io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent")
                    .debug("internals");
            LoggerFactory.getLogger("io.grpc.internal.ServerImpl").info("a library's info line");
        });
        assertTrue(out.contains("DEBUG d.s.e.v.VolumeEngine - volume v1 published"), out);
        assertTrue(out.contains("DEBUG d.s.backend.bindmount - bind-mounted"), out);
        assertTrue(out.contains("a library's info line"), out);
        assertFalse(out.contains("ProcessBuilder"), out);
        assertFalse(out.contains("internals"), out);
        assertFalse(out.contains("Exception"), out);
    }

    @Test
    void infoHidesTheDriversDebugRecords() {
        String out = captured(new LogSettings("info", LogSettings.Format.TEXT), () -> {
            LoggerFactory.getLogger("dev.spiffecsi.rpc").debug("a routine probe");
            LoggerFactory.getLogger("dev.spiffecsi.rpc").info("rpc method=NodePublishVolume");
        });
        assertFalse(out.contains("a routine probe"), out);
        assertTrue(
                out.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  dev.spiffecsi.rpc - "
                        + "rpc method=NodePublishVolume\n"),
                out);
    }

    @Test
    void jsonLinesHaveTheGoDriversZapKeysAndEscapeEverything() throws Exception {
        String out = captured(new LogSettings("info", LogSettings.Format.JSON), () -> {
            LoggerFactory.getLogger("dev.spiffecsi.engine.volume.VolumeEngine")
                    .warn("publish refused: \"{}\"\n\tnext", "a\\b");
            LoggerFactory.getLogger("dev.spiffecsi.engine.runtime.Driver")
                    .error("failed", new IllegalStateException("boom"));
        });
        List<String> lines = out.lines().toList();
        assertEquals(2, lines.size(), out);
        Map<String, String> warn = fields(lines.get(0));
        assertEquals("warn", warn.get("level"));
        assertEquals("dev.spiffecsi.engine.volume.VolumeEngine", warn.get("logger"));
        assertEquals("publish refused: \"a\\b\"\n\tnext", warn.get("msg"));
        double ts = Double.parseDouble(warn.get("ts"));
        assertTrue(Math.abs(ts - System.currentTimeMillis() / 1000.0) < 60, "seconds since the epoch: " + ts);
        Map<String, String> error = fields(lines.get(1));
        assertEquals("error", error.get("level"));
        assertTrue(error.get("stacktrace").startsWith("java.lang.IllegalStateException: boom\n\tat "), error::toString);
    }

    @Test
    void loggerNamesAreShortenedLikeLogbacksButNeverTheClassName() {
        assertEquals("d.s.e.c.CsiSocketServer", LineFormatter.abbreviate("dev.spiffecsi.engine.csi.CsiSocketServer"));
        assertEquals("dev.spiffecsi.rpc", LineFormatter.abbreviate("dev.spiffecsi.rpc"));
        assertEquals("d.s.backend.symlink-dev", LineFormatter.abbreviate("dev.spiffecsi.backend.symlink-dev"));
        assertEquals(
                "AVeryLongClassNameWithoutAnyPackageAtAll",
                LineFormatter.abbreviate("AVeryLongClassNameWithoutAnyPackageAtAll"));
    }

    private static Map<String, String> fields(String json) throws Exception {
        Map<String, String> fields = new HashMap<>();
        try (JsonParser parser = new JsonFactory().createParser(json)) {
            assertEquals(JsonToken.START_OBJECT, parser.nextToken());
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                fields.put(name, parser.getText());
            }
            assertEquals(null, parser.nextToken(), "one object per line");
        }
        return fields;
    }
}
