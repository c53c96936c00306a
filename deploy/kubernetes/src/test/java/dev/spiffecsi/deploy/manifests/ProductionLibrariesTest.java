package dev.spiffecsi.deploy.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production distribution (and so the image) holds the driver, its backends and the libraries they use: every
 * jar in deploy/driver/target/dist/lib is reached from the project's own jars through class references (jdeps) or
 * a ServiceLoader registration of an interface a reached jar holds. A library only the development kit or the
 * benchmarks use, an empty jar, or an annotation jar fails this test.
 */
class ProductionLibrariesTest {

    private static final String SERVICES = "META-INF/services/";

    @Test
    void everyLibraryIsReachedFromTheDriversOwnCode(@TempDir Path scratch) throws IOException {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElse(null);
        assumeTrue(jdeps != null, "SKIPPED: this JDK has no jdeps");
        List<Path> jars = DockerfileTest.distributionJars();
        Map<String, Path> stripped = new HashMap<>();
        for (Path jar : jars) {
            Path copy = scratch.resolve(jar.getFileName());
            DockerfileTest.withoutModuleInfo(jar, copy); // as on the class path: jar names, not module names
            stripped.put(jar.getFileName().toString(), copy);
        }
        Map<String, Set<String>> references = references(jdeps, stripped.values());
        Map<String, String> jarOfClass = new HashMap<>();
        Map<String, List<String>> servicesOf = new HashMap<>();
        for (Map.Entry<String, Path> jar : stripped.entrySet()) {
            try (ZipFile zip = new ZipFile(jar.getValue().toFile())) {
                for (ZipEntry entry : zip.stream().toList()) {
                    String name = entry.getName();
                    if (name.endsWith(".class")) {
                        jarOfClass.put(name.substring(0, name.length() - 6).replace('/', '.'), jar.getKey());
                    } else if (name.startsWith(SERVICES) && name.length() > SERVICES.length()) {
                        servicesOf
                                .computeIfAbsent(jar.getKey(), k -> new ArrayList<>())
                                .add(name.substring(SERVICES.length()));
                    }
                }
            }
        }
        Set<String> ours = new TreeSet<>();
        jarOfClass.forEach((className, jar) -> {
            if (className.startsWith("dev.spiffecsi.")) {
                ours.add(jar);
            }
        });
        assertEquals(7, ours.size(), () -> "the project's own jars: " + ours);

        Set<String> reached = new HashSet<>(ours);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (String jar : stripped.keySet()) {
                if (reached.contains(jar)) {
                    continue;
                }
                boolean referenced = reached.stream()
                        .anyMatch(
                                from -> references.getOrDefault(from, Set.of()).contains(jar));
                boolean provides = servicesOf.getOrDefault(jar, List.of()).stream()
                        .anyMatch(service -> reached.contains(jarOfClass.get(service)));
                if (referenced || provides) {
                    reached.add(jar);
                    grew = true;
                }
            }
        }
        Set<String> unreached = new TreeSet<>(stripped.keySet());
        unreached.removeAll(reached);
        assertEquals(Set.of(), unreached, "jars in the production distribution that no production code reaches");
    }

    /** jdeps' jar-to-jar summary: jar file name -> the jar file names its classes reference. */
    private static Map<String, Set<String>> references(ToolProvider jdeps, java.util.Collection<Path> jars) {
        List<String> args = new ArrayList<>(List.of(
                "-s", "--multi-release", String.valueOf(Runtime.version().feature()), "--ignore-missing-deps"));
        jars.forEach(jar -> args.add(jar.toString()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = jdeps.run(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                args.toArray(String[]::new));
        assertEquals(0, exit, () -> err.toString(StandardCharsets.UTF_8));
        Map<String, Set<String>> references = new HashMap<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            String[] edge = line.split(" -> ");
            if (edge.length == 2 && edge[1].strip().endsWith(".jar")) { // jdeps names the referenced jar by path
                references
                        .computeIfAbsent(edge[0].strip(), k -> new HashSet<>())
                        .add(Path.of(edge[1].strip()).getFileName().toString());
            }
        }
        assertTrue(!references.isEmpty(), () -> "jdeps printed no jar references: " + out);
        return references;
    }
}
