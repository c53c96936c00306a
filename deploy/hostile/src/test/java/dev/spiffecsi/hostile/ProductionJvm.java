package dev.spiffecsi.hostile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The driver's JVM command line as the production launcher ({@code deploy/driver/src/main/dist/bin/spiffe-csi-driver},
 * which the image runs) builds it: its default {@code SPIFFE_CSI_JAVA_OPTS} (the 48 MiB heap,
 * {@code -XX:+ExitOnOutOfMemoryError}, ...), read from the launcher itself so that the tier follows any change there,
 * the options it adds by Java version, and {@code MALLOC_ARENA_MAX=2}; the class path is this build's production
 * runtime class path (the driver, the backends and their libraries). The Java is the one running the tests.
 */
final class ProductionJvm {

    private static final Pattern DEFAULT_OPTIONS = Pattern.compile(": \"\\$\\{SPIFFE_CSI_JAVA_OPTS:=(.*)}\"");
    private static final String MAIN = "dev.spiffecsi.driver.Main";

    private ProductionJvm() {}

    /** {@code java <production options> -cp <runtime class path> Main}; the driver's arguments come after it. */
    static List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(defaultOptions());
        int major = Runtime.version().feature();
        if (major >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        if (major >= 22) {
            command.add("-XX:TrimNativeHeapInterval=1000");
        }
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-cp");
        command.add(runtimeClassPath());
        command.add(MAIN);
        return command;
    }

    /** The environment the launcher exports. */
    static Map<String, String> environment() {
        return Map.of("MALLOC_ARENA_MAX", "2");
    }

    /** The launcher's default {@code SPIFFE_CSI_JAVA_OPTS}, split on blanks as the shell does. */
    static List<String> defaultOptions() {
        Path launcher =
                Path.of(System.getProperty("spiffecsi.launcher", "../driver/src/main/dist/bin/spiffe-csi-driver"));
        try {
            for (String line : Files.readAllLines(launcher)) {
                Matcher matcher = DEFAULT_OPTIONS.matcher(line.strip());
                if (matcher.matches()) {
                    return Arrays.asList(matcher.group(1).strip().split("\\s+"));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the production launcher " + launcher, e);
        }
        throw new IllegalStateException("the production launcher " + launcher + " has no default "
                + "SPIFFE_CSI_JAVA_OPTS line any more; update " + ProductionJvm.class.getSimpleName());
    }

    private static String runtimeClassPath() {
        Path file = Path.of(System.getProperty("spiffecsi.runtimeClasspath", "target/runtime-classpath.txt"));
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the driver's runtime class path " + file
                            + " (made by the dependency plugin at generate-test-resources)",
                    e);
        }
    }
}
