package dev.spiffecsi.deploy.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/Dockerfile, read: pinned bases, the production distribution and nothing else, /opt/spiffe-csi made by the
 * script the benchmarks and the end-to-end tier use, and that script's modules and native libraries against the
 * distribution's jars.
 */
class DockerfileTest {

    static final Path DOCKERFILE = Kustomize.DEPLOY.resolve("Dockerfile");
    static final Path LAUNCHER = Kustomize.DEPLOY.resolve("driver/src/main/dist/bin/spiffe-csi-driver");
    static final Path IMAGE_ROOT = Kustomize.DEPLOY.resolve("driver/image/image-root.sh");
    static final Path JLINK_MODULES = Kustomize.DEPLOY.resolve("driver/image/jlink-modules");

    static String jlinkModules() throws IOException {
        return Files.readString(JLINK_MODULES).strip();
    }

    static String dockerfile() throws IOException {
        return Files.readString(DOCKERFILE);
    }

    static Map<String, String> argDefaults(String text) {
        Map<String, String> args = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^ARG (\\w+)=(\\S+)$").matcher(text);
        while (m.find()) {
            args.put(m.group(1), m.group(2));
        }
        return args;
    }

    @Test
    void everyBaseImageIsPinned() throws IOException {
        String text = dockerfile();
        Map<String, String> args = argDefaults(text);
        Matcher from = Pattern.compile("(?m)^FROM (?:--platform=\\S+ )?(\\S+)(?: AS [\\w-]+)?$")
                .matcher(text);
        List<String> images = new ArrayList<>();
        while (from.find()) {
            String image = from.group(1);
            Matcher variable = Pattern.compile("\\$\\{(\\w+)}").matcher(image);
            if (variable.matches()) {
                image = args.get(variable.group(1));
            }
            images.add(image);
        }
        assertEquals(4, images.size(), () -> "build, image-root, base-root and image stages: " + images);
        assertEquals("scratch", images.get(3), "the image holds only what base-root.sh and image-root.sh make");
        for (String image : images.subList(0, 3)) {
            RenderTest.assertPinned("Dockerfile", image);
        }
        assertTrue(images.get(0).startsWith("eclipse-temurin:25"), "JDK 25 builder: " + images.get(0));
        assertTrue(images.get(2).startsWith("debian:bookworm-"), "Debian 12 slim: " + images.get(2));
        Matcher syntax = Pattern.compile("(?m)^# syntax=(\\S+)$").matcher(text);
        assertTrue(syntax.find());
        RenderTest.assertPinned("syntax", syntax.group(1));
    }

    @Test
    void buildsBothDistributionsWithTheMavenWrapperAndShipsOnlyTheProductionOne() throws IOException {
        String text = dockerfile();
        assertTrue(text.contains("./mvnw -B -q -DskipTests package -pl deploy/driver,deploy/dev-distribution -am"));
        String pom = Files.readString(Kustomize.DEPLOY.resolve("driver/pom.xml"));
        assertTrue(pom.contains("<finalName>dist</finalName>"), "the assembly writes deploy/driver/target/dist");
        assertTrue(text.contains("COPY --from=build /src/deploy/driver/target/dist /tmp/dist\n"));
        assertTrue(text.contains("/tmp/image/image-root.sh assemble /tmp/dist /opt/spiffe-csi\n"));
        assertTrue(text.contains("COPY --from=image-root /opt/spiffe-csi /opt/spiffe-csi\n"));
        // the development distribution only trains the AOT cache, through a bind mount that no layer keeps
        List<String> copies = text.lines().filter(l -> l.startsWith("COPY")).toList();
        assertTrue(copies.stream().noneMatch(l -> l.contains("dev-distribution")), copies::toString);
        assertTrue(text.contains("--mount=type=bind,from=build,source=/src/deploy,target=/tmp/deploy"));
    }

    @Test
    void theImageRunsTheLauncherWithItsOwnJavaOptions() throws IOException {
        String text = dockerfile();
        String launcher = Files.readString(LAUNCHER);
        assertTrue(launcher.contains("\"$here/runtime/bin/java\""), "the launcher prefers ../runtime");
        assertTrue(text.contains("ENTRYPOINT [\"/opt/spiffe-csi/bin/spiffe-csi-driver\"]"));
        // the launcher takes $JAVA_HOME first, and its defaults are the image's JVM options: neither is set here
        assertFalse(text.contains("ENV JAVA_HOME"));
        assertFalse(text.contains("ENV SPIFFE_CSI_JAVA_OPTS"), "one place for the JVM options: the launcher");
        // and it uses what image-root.sh adds: native libraries never unpacked into /tmp (read-only root file
        // systems without a writable /tmp, as the Go driver's DaemonSet has), the AOT cache with its own runtime
        assertTrue(
                launcher.contains("-Djava.library.path=$here/native -Djna.boot.library.path=$here/native "
                        + "-Djna.nounpack=true"),
                launcher);
        assertTrue(launcher.contains("-XX:AOTCache=$here/spiffe-csi-driver.aot"), launcher);
        assertTrue(launcher.contains("-XX:-UsePerfData"), "no hsperfdata file in /tmp");
    }

    @Test
    void theMavenBuildAndTheImageLinkTheSameRuntime() throws IOException {
        String pom = Files.readString(Kustomize.DEPLOY.resolve("driver/pom.xml"));
        assertTrue(pom.contains("srcFile=\"${project.basedir}/image/jlink-modules\""), "the pom links jlink-modules");
        assertTrue(pom.contains("--add-modules ${jlink.modules} --strip-debug --no-man-pages --no-header-files"));
        String script = Files.readString(IMAGE_ROOT);
        assertTrue(script.contains("modules=$(tr -d ' \\n' < \"$here/jlink-modules\")"), "the script links it too");
        assertTrue(script.contains("--add-modules \"$modules\" --strip-debug --no-man-pages --no-header-files"));
        assertTrue(jlinkModules().matches("[a-z.]+(,[a-z.]+)*"), jlinkModules());
    }

    @Test
    void theImageTrainsAnAotCacheInPlaceAndTheLauncherUsesIt() throws IOException {
        String text = dockerfile();
        assertTrue(
                text.contains(
                        "image-root.sh train-aot /opt/spiffe-csi \\\n      /tmp/deploy/dev-distribution/target/dist"),
                "trained where it is used, after /opt/spiffe-csi is in place");
        String script = Files.readString(IMAGE_ROOT);
        assertTrue(script.contains("serve -node-id aot-training -backend symlink-dev"), "trained without privileges");
        assertTrue(script.contains("bench -endpoint \"unix://$node/csi.sock\""), "trained on a publish storm");
        assertTrue(script.contains("test -s \"$opt/spiffe-csi-driver.aot\""), "the build fails without it");
    }

    /** What makes the image small stays in image-root.sh (BENCHMARKS.md, the image's size: image-size.sh). */
    @Test
    void theImageRootIsStrippedOfWhatTheDriverNeverReads() throws IOException {
        String script = Files.readString(IMAGE_ROOT);
        String assemble = script.substring(script.indexOf("assemble() {"), script.indexOf("train_aot() {"));
        String train = script.substring(script.indexOf("train_aot() {"));
        assertTrue(assemble.contains("--compress=zip-0"), "the layer's gzip, not jlink's, compresses the modules");
        assertTrue(
                assemble.contains(
                        "find \"$opt/runtime\" \"$opt/native\" -name '*.so' -exec strip --strip-unneeded {} +"),
                "native symbol tables stripped");
        assertTrue(assemble.contains("rm -f \"$opt/runtime/lib/server/classes_nocoops.jsa\""), "no unused CDS archive");
        assertTrue(
                assemble.contains("RepackJars.java\" \"$opt/lib\" \"$(ls \"$opt\"/lib/grpc-netty-shaded-*.jar)\""),
                "stored jars, netty's natives dropped");
        assertTrue(assemble.contains("\"$(ls \"$opt\"/lib/jna-[0-9]*.jar)\""), "JNA's natives dropped");
        // the AOT cache replaces the default CDS archive: dropped only once the cache exists
        assertTrue(
                train.indexOf("test -s \"$opt/spiffe-csi-driver.aot\"")
                        < train.indexOf("rm -f \"$opt/runtime/lib/server/classes.jsa\""),
                train);
        String launcher = Files.readString(LAUNCHER);
        assertTrue(launcher.contains("-XX:MaxRAM=256m -Xmx48m"), "a heap that keeps compressed oops on");
    }

    @Test
    void runsAsRootLikeTheGoImageWithAnUnprivilegedUserForOfflineCommands() throws IOException {
        String text = dockerfile();
        assertTrue(text.contains("USER 0:0"));
        assertTrue(text.contains("--uid 65532"));
    }

    @Test
    void dockerignoreKeepsTheSourcesAndDropsBuildOutput() throws IOException {
        Path ignore = Kustomize.DEPLOY.getParent().resolve(".dockerignore");
        List<String> patterns = Files.readAllLines(ignore).stream()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
        assertTrue(patterns.containsAll(List.of(".git", "**/target")), patterns::toString);
        for (String needed : List.of(
                "mvnw", ".mvn", "pom.xml", "deploy", "deploy/driver", "deploy/driver/src", "spi", "config", "engine")) {
            assertFalse(
                    patterns.stream().anyMatch(p -> p.equals(needed) || p.equals(needed + "/")),
                    needed + " is ignored");
        }
        assertTrue(Files.isRegularFile(Kustomize.DEPLOY.getParent().resolve(".mvn/wrapper/maven-wrapper.properties")));
    }

    /** The production distribution's jars (deploy/driver/target/dist/lib), which the image packages. */
    static List<Path> distributionJars() throws IOException {
        Path lib = Path.of(System.getProperty("spiffecsi.dist", "../driver/target/dist"))
                .resolve("lib");
        assertTrue(Files.isDirectory(lib), () -> lib + " is missing: package deploy/driver first (./build.sh)");
        try (Stream<Path> files = Files.list(lib)) {
            return files.filter(f -> f.toString().endsWith(".jar")).sorted().toList();
        }
    }

    /** The native libraries image-root.sh unpacks are in the jars its globs pick, for both platforms. */
    @Test
    void nativeLibrariesTheImageUnpacksAreInTheDistribution() throws IOException {
        List<Path> jars = distributionJars();
        String text = Files.readString(IMAGE_ROOT);
        Map<String, List<String>> wanted = Map.of(
                "grpc-netty-shaded-[^/]*\\.jar",
                        List.of(
                                "META-INF/native/libio_grpc_netty_shaded_netty_transport_native_epoll_x86_64.so",
                                "META-INF/native/libio_grpc_netty_shaded_netty_transport_native_epoll_aarch_64.so"),
                "jna-[0-9][^/]*\\.jar",
                        List.of(
                                "com/sun/jna/linux-x86-64/libjnidispatch.so",
                                "com/sun/jna/linux-aarch64/libjnidispatch.so"));
        assertTrue(text.contains("xf \"$(ls \"$opt\"/lib/grpc-netty-shaded-*.jar)\"")
                && text.contains("xf \"$(ls \"$opt\"/lib/jna-[0-9]*.jar)\""));
        assertTrue(text.contains("netty_transport_native_epoll_${netty}.so")
                && text.contains("com/sun/jna/${jna}/libjnidispatch.so"));
        for (Map.Entry<String, List<String>> jar : wanted.entrySet()) {
            List<Path> matches = jars.stream()
                    .filter(f -> f.getFileName().toString().matches(jar.getKey()))
                    .toList();
            assertEquals(1, matches.size(), () -> jar.getKey() + " matches " + matches);
            try (java.util.zip.ZipFile zip =
                    new java.util.zip.ZipFile(matches.get(0).toFile())) {
                for (String entry : jar.getValue()) {
                    assertTrue(zip.getEntry(entry) != null, () -> matches.get(0) + " has no " + entry);
                }
            }
        }
    }

    /**
     * jdeps on the distribution's jars needs no module the runtime leaves out, but those of {@link #LEFT_OUT}.
     */
    @Test
    void jlinkModulesCoverWhatJdepsFindsInTheDistribution(@TempDir Path scratch) throws IOException {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElse(null);
        assumeTrue(jdeps != null, "SKIPPED: this JDK has no jdeps");
        List<String> command = new ArrayList<>(List.of(
                "--print-module-deps",
                "--ignore-missing-deps",
                "--multi-release",
                String.valueOf(Runtime.version().feature()),
                "-q"));
        command.addAll(jdepsInputs(scratch));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = jdeps.run(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                command.toArray(String[]::new));
        assertEquals(0, exit, () -> out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
        Set<String> needed = Arrays.stream(
                        out.toString(StandardCharsets.UTF_8).strip().split(","))
                .map(String::strip)
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(needed.contains("java.base") && needed.contains("jdk.unsupported"), needed::toString);

        String listed = jlinkModules();
        Set<String> linked = closure(Set.of(listed.split(",")));
        Set<String> missing = new TreeSet<>(needed);
        missing.removeAll(linked);
        missing.removeAll(LEFT_OUT.keySet());
        assertEquals(Set.of(), missing, "modules the jars need that jlink-modules (" + listed + ") leaves out");
    }

    /**
     * jdeps' class path and inputs: the distribution's jars with their module-info removed, as the driver runs them
     * (jdeps refuses explicit modules whose required modules are automatic ones, such as commons-validator's).
     */
    static List<String> jdepsInputs(Path scratch) throws IOException {
        List<String> inputs = new ArrayList<>();
        int n = 0;
        for (Path entry : distributionJars()) {
            if (Files.isDirectory(entry)) {
                inputs.add(entry.toString()); // a module's target/classes, in a reactor build before `package`
            } else {
                Path stripped = scratch.resolve(n++ + "-" + entry.getFileName());
                withoutModuleInfo(entry, stripped);
                inputs.add(stripped.toString());
            }
        }
        List<String> arguments =
                new ArrayList<>(List.of("--class-path", String.join(java.io.File.pathSeparator, inputs)));
        arguments.addAll(inputs);
        return arguments;
    }

    /**
     * Modules jdeps finds references to that the runtime leaves out, each with the only packages allowed to refer to
     * it: code the driver never runs, or runs only after checking that the module is there (image-root.sh's smoke
     * test and the benchmarks run the driver on the linked runtime). A new reference from another package fails
     * here until someone looks at it.
     */
    static final Map<String, Set<String>> LEFT_OUT = Map.of(
            // JNA's helpers for AWT components (Native.getComponentID and the like), which nothing calls;
            // Typesafe Config's ConfigBeanFactory (java.beans), which the config module does not use
            "java.desktop", Set.of("com.sun.jna", "com.typesafe.config.impl"),
            // Gson's adapters for java.sql's dates, which Gson registers only when it finds java.sql (grpc's
            // service-config parser and Nimbus's shaded copy)
            "java.sql", Set.of("com.google.gson.internal.sql", "com.nimbusds.jose.shaded.gson.internal.sql"),
            // grpc's JNDI lookups of DNS SRV and TXT records, which it skips when JNDI is missing (the driver dials
            // unix sockets only), and netty's TLS host name checks (the driver speaks no TLS)
            "java.naming", Set.of("io.grpc.internal", "io.grpc.netty.shaded.io.netty.handler.ssl"));

    /**
     * The runtime leaves out java.desktop (AWT, fonts, java.beans) and the rest of {@link #LEFT_OUT}, and nothing
     * but the packages listed there refers to them: jdeps, class by class, on the distribution's jars.
     */
    @Test
    void theRuntimeLeavesOutOnlyModulesThatNoRunningCodeNeeds(@TempDir Path scratch) throws IOException {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElse(null);
        assumeTrue(jdeps != null, "SKIPPED: this JDK has no jdeps");
        Set<String> linked = closure(Set.of(jlinkModules().split(",")));
        for (String module : LEFT_OUT.keySet()) {
            assertFalse(linked.contains(module), module + " is linked again: " + linked);
        }
        List<String> command = new ArrayList<>(List.of(
                "-verbose:class",
                "--ignore-missing-deps",
                "--multi-release",
                String.valueOf(Runtime.version().feature()),
                "-q"));
        command.addAll(jdepsInputs(scratch));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = jdeps.run(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                command.toArray(String[]::new));
        assertEquals(0, exit, () -> err.toString(StandardCharsets.UTF_8));
        // "   com.sun.jna.Native   -> java.awt.Component   java.desktop"
        Pattern dependency = Pattern.compile("^\\s+(\\S+)\\s+->\\s+\\S+\\s+(\\S+)$");
        Map<String, Set<String>> referring = new HashMap<>();
        for (String line : out.toString(StandardCharsets.UTF_8).lines().toList()) {
            Matcher m = dependency.matcher(line);
            if (m.matches() && !linked.contains(m.group(2)) && m.group(2).matches("(java|jdk)\\.[a-z.]+")) {
                String type = m.group(1);
                referring
                        .computeIfAbsent(m.group(2), k -> new TreeSet<>())
                        .add(type.substring(0, type.lastIndexOf('.')));
            }
        }
        assertTrue(
                referring.containsKey("java.desktop"),
                () -> "jdeps found no reference to java.desktop at all: " + "is the output still read right? "
                        + referring);
        assertEquals(LEFT_OUT, referring, "packages that refer to modules the runtime leaves out");
    }

    /** The modules jlink links for {@code roots}: the roots and everything they require, transitively. */
    static Set<String> closure(Set<String> roots) {
        Map<String, ModuleDescriptor> system = ModuleFinder.ofSystem().findAll().stream()
                .map(ModuleReference::descriptor)
                .collect(Collectors.toMap(ModuleDescriptor::name, d -> d));
        Set<String> seen = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            String name = todo.pop();
            ModuleDescriptor descriptor = system.get(name);
            assertTrue(descriptor != null, () -> "JLINK_MODULES names " + name + ", which this JDK does not have");
            if (seen.add(name)) {
                descriptor.requires().stream()
                        .filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                        .forEach(r -> todo.push(r.name()));
            }
        }
        return seen;
    }

    static void withoutModuleInfo(Path jar, Path copy) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(jar));
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(copy))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                if (entry.getName().endsWith("module-info.class")) {
                    continue;
                }
                out.putNextEntry(new ZipEntry(entry.getName()));
                in.transferTo(out);
                out.closeEntry();
            }
        }
    }
}
