package dev.spiffecsi.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Flags (Go flag style plus GNU forms) and DriverFlags (flag name to configuration key). */
class FlagsTest {

    private static final Flags FLAGS = new Flags(Set.of("node-id", "log-level"), Set.of("verbose"));

    /** As the driver builds it: every DriverFlags name takes a value, plus -config. */
    private static final Flags DRIVER;

    static {
        Set<String> valued = new HashSet<>(DriverFlags.ORDERED);
        valued.add(DriverFlags.CONFIG);
        DRIVER = new Flags(valued, Set.of());
    }

    private static List<String> args(String spaceSeparated) {
        return spaceSeparated.isEmpty() ? List.of() : List.of(spaceSeparated.split(" "));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-node-id n1", "-node-id=n1", "--node-id n1", "--node-id=n1"})
    void everyFormSetsTheValue(String line) {
        Flags.Parsed parsed = FLAGS.parse(args(line));

        assertEquals(Map.of("node-id", "n1"), parsed.values());
        assertEquals(List.of(), parsed.positional());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "-node-id=               | ''",
                "-node-id=a=b            | a=b",
                "-node-id -x             | -x",
                "--node-id --log-level   | --log-level",
                "-node-id a -node-id b   | b"
            })
    void valuesAreTakenVerbatim(String line, String expected) {
        assertEquals(expected, FLAGS.parse(args(line)).get("node-id", "unset"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "-verbose          | true",
                "--verbose         | true",
                "-verbose=false    | false",
                "--verbose=true    | true"
            })
    void switchesTakeNoSeparateValue(String line, String expected) {
        Flags.Parsed parsed = FLAGS.parse(args(line + " positional"));

        assertEquals(expected, parsed.get("verbose", "unset"));
        assertEquals(List.of("positional"), parsed.positional());
    }

    @Test
    void absentFlagsAreAbsent() {
        Flags.Parsed parsed = FLAGS.parse(List.of());

        assertFalse(parsed.has("node-id"));
        assertEquals("fallback", parsed.get("node-id", "fallback"));
        assertEquals(Map.of(), parsed.values());
    }

    @Test
    void doubleDashEndsTheFlags() {
        Flags.Parsed parsed = FLAGS.parse(args("-verbose -- -node-id n1 --log-level=debug -- x"));

        assertEquals(Map.of("verbose", "true"), parsed.values());
        assertEquals(List.of("-node-id", "n1", "--log-level=debug", "--", "x"), parsed.positional());
    }

    @Test
    void positionalArgumentsAreKeptInOrderAndALoneDashIsOne() {
        Flags.Parsed parsed = FLAGS.parse(args("check-config - -node-id n1 extra"));

        assertEquals(List.of("check-config", "-", "extra"), parsed.positional());
        assertEquals("n1", parsed.get("node-id", ""));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-nodeid x", "--node_id=x", "---node-id x", "-=x", "-Node-id x", "-n"})
    void unknownFlagIsAnErrorListingTheKnownFlags(String line) {
        List<String> args = args(line);

        ConfigException e = assertThrows(ConfigException.class, () -> FLAGS.parse(args));

        assertEquals("unknown flag " + args.get(0) + "; known flags: -log-level, -node-id, -verbose", e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-node-id", "--node-id", "-verbose --log-level"})
    void flagWithoutItsValueIsAnError(String line) {
        List<String> args = args(line);

        ConfigException e = assertThrows(ConfigException.class, () -> FLAGS.parse(args));

        assertEquals("flag " + args.get(args.size() - 1) + " needs a value", e.getMessage());
    }

    @Test
    void parsedValuesCannotBeModified() {
        Flags.Parsed parsed = FLAGS.parse(args("-node-id n1 p"));

        assertThrows(UnsupportedOperationException.class, () -> parsed.values().put("x", "y"));
        assertThrows(
                UnsupportedOperationException.class, () -> parsed.positional().add("q"));
    }

    // ---- DriverFlags -------------------------------------------------------------------------------------------

    @Test
    void goDaemonSetArgumentsMapToTheirKeys() {
        Flags.Parsed parsed = DRIVER.parse(
                args("-workload-api-socket-dir /spire-agent-socket -csi-socket-path /spiffe-csi/csi.sock"));

        Map<String, String> overrides = DriverFlags.overrides(parsed);

        assertEquals(
                Map.of(
                        "spiffe-csi.workload-api-socket-dir",
                        "/spire-agent-socket",
                        "spiffe-csi.csi-socket-path",
                        "/spiffe-csi/csi.sock"),
                overrides);
        DriverSettings settings =
                TestConfigs.load(overrides, Map.of("MY_NODE_NAME", "worker-1")).settings();
        assertEquals(Path.of("/spire-agent-socket"), settings.workloadApiSocketDir());
        assertEquals(Path.of("/spiffe-csi/csi.sock"), settings.csiSocketPath());
        assertEquals("worker-1", settings.nodeId());
    }

    @Test
    void everyGoDriverFlagIsAccepted() {
        Flags.Parsed parsed = DRIVER.parse(List.of(
                "-workload-api-socket-dir=/a",
                "-csi-socket-path=/b/csi.sock",
                "-plugin-name=csi.example.org",
                "-node-id=n",
                "-node-id-env=NODE"));

        assertEquals(
                Map.of(
                        "spiffe-csi.workload-api-socket-dir",
                        "/a",
                        "spiffe-csi.csi-socket-path",
                        "/b/csi.sock",
                        "spiffe-csi.plugin-name",
                        "csi.example.org",
                        "spiffe-csi.node-id",
                        "n",
                        "spiffe-csi.node-id-env",
                        "NODE"),
                DriverFlags.overrides(parsed));
    }

    @Test
    void overridesFollowTheHelpOrderAndLeaveOutUnrelatedFlags() {
        Flags.Parsed parsed = DRIVER.parse(List.of(
                "--log-format",
                "json",
                "--config",
                "/etc/x.conf",
                "--backend=symlink-dev",
                "--log-level",
                "debug",
                "--state-dir",
                "/s",
                "--kubelet-pods-dir",
                "/k"));

        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("spiffe-csi.backend", "symlink-dev");
        expected.put("spiffe-csi.kubelet-pods-dir", "/k");
        expected.put("spiffe-csi.state-dir", "/s");
        expected.put("spiffe-csi.log.level", "debug");
        expected.put("spiffe-csi.log.format", "json");
        Map<String, String> overrides = DriverFlags.overrides(parsed);
        assertEquals(expected, overrides);
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(overrides.keySet()));
    }

    @Test
    void everyFlagHasAKeyThatTheReferenceDeclares() {
        var reference = ConfigFactory.parseResources(FlagsTest.class.getClassLoader(), "reference.conf");

        assertEquals(Set.copyOf(DriverFlags.ORDERED), DriverFlags.KEYS.keySet());
        assertEquals(DriverFlags.ORDERED.size(), Set.copyOf(DriverFlags.ORDERED).size());
        assertFalse(DriverFlags.KEYS.containsKey(DriverFlags.CONFIG));
        for (String flag : DriverFlags.ORDERED) {
            String key = DriverFlags.KEYS.get(flag);
            assertTrue(reference.hasPath(key), flag + " -> " + key);
            assertTrue(key.startsWith(ConfigLoader.ROOT + "."), key);
        }
    }
}
