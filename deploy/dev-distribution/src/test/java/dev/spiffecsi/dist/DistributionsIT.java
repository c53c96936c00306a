package dev.spiffecsi.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The two distributions as built: the production one holds the driver, its backends and their libraries and no
 * development tool; the development one is the same plus the development kit and the benchmarks, whose commands
 * the same launcher discovers.
 */
class DistributionsIT {

    static final Path PRODUCTION = Path.of(System.getProperty("spiffecsi.dist", "../driver/target/dist"));
    static final Path DEVELOPMENT = Path.of(System.getProperty("spiffecsi.devDist", "target/dist"));
    static final List<String> DEVELOPMENT_COMMANDS =
            List.of("demo", "dev-agent", "kubelet-sim", "workload", "bench", "bench-startup");

    record Result(int exit, String output) {}

    static Result run(Path distribution, String... args) throws Exception {
        List<String> command = new ArrayList<>(
                List.of(distribution.resolve("bin/spiffe-csi-driver").toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new Result(process.exitValue(), output);
    }

    static Set<String> jarNames(Path distribution) throws IOException {
        try (Stream<Path> files = Files.list(distribution.resolve("lib"))) {
            return files.map(p -> p.getFileName().toString())
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void theProductionDistributionHoldsNoDevelopmentOrBenchmarkClass() throws IOException {
        List<String> found = new ArrayList<>();
        for (String jar : jarNames(PRODUCTION)) {
            try (ZipFile zip =
                    new ZipFile(PRODUCTION.resolve("lib").resolve(jar).toFile())) {
                zip.stream()
                        .map(ZipEntry::getName)
                        .filter(name -> name.startsWith("dev/spiffecsi/dev/")
                                || name.startsWith("dev/spiffecsi/bench/")
                                || name.equals("META-INF/services/dev.spiffecsi.driver.cli.Command"))
                        .forEach(name -> found.add(jar + "!" + name));
            }
        }
        assertEquals(List.of(), found, "development kit or benchmark code in the production distribution");
    }

    @Test
    void theDevelopmentDistributionIsTheProductionOnePlusTheDevelopmentKit() throws IOException {
        Set<String> production = jarNames(PRODUCTION);
        Set<String> development = jarNames(DEVELOPMENT);
        assertTrue(
                development.containsAll(production),
                () -> "the same driver and libraries, same versions: " + "missing " + missing(production, development));
        Set<String> added = missing(development, production);
        for (String prefix : List.of("devkit-", "bench-", "java-spiffe-core-", "bcpkix-jdk18on-", "bcprov-jdk18on-")) {
            assertTrue(
                    added.stream().anyMatch(jar -> jar.startsWith(prefix)),
                    () -> prefix + "* is only in the development distribution: " + added);
        }
        try (var plugins = Files.list(DEVELOPMENT.resolve("plugins"))) {
            assertEquals(List.of(), plugins.toList(), "an empty plugins/ as well");
        }
    }

    private static Set<String> missing(Set<String> wanted, Set<String> present) {
        Set<String> missing = new TreeSet<>(wanted);
        missing.removeAll(present);
        return missing;
    }

    @Test
    void theProductionDriverSaysWhereTheDevelopmentToolsAre() throws Exception {
        Result help = run(PRODUCTION, "--help");
        assertEquals(0, help.exit(), help.output());
        for (String command : List.of("serve", "backends", "check-config")) {
            assertTrue(help.output().contains("  " + command + " "), help.output());
        }
        for (String command : DEVELOPMENT_COMMANDS) {
            assertFalse(help.output().contains("  " + command + " "), () -> command + " listed: " + help.output());
        }
        Result demo = run(PRODUCTION, "demo");
        assertEquals(2, demo.exit(), demo.output());
        assertTrue(
                demo.output()
                        .contains("unknown command \"demo\": it is a development tool, in the development "
                                + "distribution (deploy/dev-distribution/target/dist)"),
                demo.output());
    }

    @Test
    void theDevelopmentDistributionDiscoversEveryDevelopmentCommand() throws Exception {
        Result help = run(DEVELOPMENT, "--help");
        assertEquals(0, help.exit(), help.output());
        for (String command : DEVELOPMENT_COMMANDS) {
            assertTrue(help.output().contains("  " + command + " "), () -> command + " missing: " + help.output());
        }
        assertTrue(help.output().contains("Development tools"), help.output());
        assertTrue(help.output().contains("Benchmarks"), help.output());
    }

    @Test
    void everyCommandPrintsItsOwnFlagsOnHelp() throws Exception {
        record Expected(String command, String usage, String flag) {}
        for (Expected expected : List.of(
                new Expected("serve", "Usage: spiffe-csi-driver [serve] [flags]", "-csi-socket-path"),
                new Expected("check-config", "Usage: spiffe-csi-driver check-config", "-workload-api-socket-dir"),
                new Expected("backends", "Usage: spiffe-csi-driver backends", "takes no flags"),
                new Expected("demo", "Usage: spiffe-csi-driver demo", "-backend NAME"),
                new Expected("dev-agent", "Usage: spiffe-csi-driver dev-agent", "-authorized-delegates"),
                new Expected("kubelet-sim", "Usage: spiffe-csi-driver kubelet-sim", "-max-attempts"),
                new Expected("workload", "Usage: spiffe-csi-driver workload", "-updates N"),
                new Expected("bench", "Usage: spiffe-csi-driver bench", "-repeat-publish"),
                new Expected("bench-startup", "Usage: spiffe-csi-driver bench-startup", "-warmup-runs"))) {
            Result result = run(DEVELOPMENT, expected.command(), "--help");
            assertEquals(0, result.exit(), result.output());
            assertTrue(result.output().startsWith(expected.usage()), () -> expected + ": " + result.output());
            assertTrue(result.output().contains(expected.flag()), () -> expected + ": " + result.output());
            assertFalse(result.output().contains("Commands:"), () -> "not the global usage: " + result.output());
        }
    }

    @Test
    void aBadFlagNamesTheCommandsHelp() throws Exception {
        Result result = run(DEVELOPMENT, "kubelet-sim", "publish", "-no-such-flag", "x");
        assertEquals(2, result.exit(), result.output());
        assertTrue(result.output().contains("spiffe-csi-driver kubelet-sim --help lists its flags"), result.output());
    }
}
