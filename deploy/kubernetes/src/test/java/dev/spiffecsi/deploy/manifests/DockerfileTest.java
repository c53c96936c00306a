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

/** deploy/Dockerfile, read (no image can be built here): pinned bases, and paths that match the distribution. */
class DockerfileTest {

    static final Path DOCKERFILE = Kustomize.DEPLOY.resolve("Dockerfile");
    static final Path LAUNCHER = Kustomize.DEPLOY.resolve("driver/src/main/dist/bin/spiffe-csi-driver");

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
        Matcher from = Pattern.compile("(?m)^FROM (?:--platform=\\S+ )?(\\S+)(?: AS \\w+)?$").matcher(text);
        List<String> images = new ArrayList<>();
        while (from.find()) {
            String image = from.group(1);
            Matcher variable = Pattern.compile("\\$\\{(\\w+)}").matcher(image);
            if (variable.matches()) {
                image = args.get(variable.group(1));
            }
            images.add(image);
        }
        assertEquals(3, images.size(), () -> "build, jre and runtime stages: " + images);
        for (String image : images) {
            RenderTest.assertPinned("Dockerfile", image);
        }
        assertTrue(images.get(0).startsWith("eclipse-temurin:25"), "JDK 25 builder: " + images.get(0));
        assertTrue(images.get(2).startsWith("debian:bookworm-"), "Debian 12 slim: " + images.get(2));
        Matcher syntax = Pattern.compile("(?m)^# syntax=(\\S+)$").matcher(text);
        assertTrue(syntax.find());
        RenderTest.assertPinned("syntax", syntax.group(1));
    }

    @Test
    void buildsTheDistributionWithTheMavenWrapper() throws IOException {
        String text = dockerfile();
        assertTrue(text.contains("./mvnw -B -q -DskipTests package"));
        String pom = Files.readString(Kustomize.DEPLOY.resolve("driver/pom.xml"));
        assertTrue(pom.contains("<finalName>dist</finalName>"), "the assembly writes deploy/driver/target/dist");
        assertTrue(text.contains("COPY --from=build /src/deploy/driver/target/dist /opt/spiffe-csi\n"));
    }

    @Test
    void runtimeIsWhereTheLauncherLooksAndTheEntrypointIsTheLauncher() throws IOException {
        String text = dockerfile();
        assertTrue(text.contains("--output /opt/spiffe-csi/runtime"));
        assertTrue(text.contains("COPY --from=jre /opt/spiffe-csi/runtime /opt/spiffe-csi/runtime\n"));
        assertTrue(text.contains("COPY --from=jre /opt/spiffe-csi/native /opt/spiffe-csi/native\n"));
        String launcher = Files.readString(LAUNCHER);
        assertTrue(launcher.contains("\"$here/runtime/bin/java\""), "the launcher prefers ../runtime");
        assertTrue(text.contains("ENTRYPOINT [\"/opt/spiffe-csi/bin/spiffe-csi-driver\"]"));
        // the launcher takes $JAVA_HOME first: the runtime image must not set it
        assertFalse(text.contains("ENV JAVA_HOME"));
    }

    @Test
    void javaOptionsKeepEveryLauncherDefault() throws IOException {
        Matcher defaults = Pattern.compile(":\\s*\"\\$\\{SPIFFE_CSI_JAVA_OPTS:=([^}]*)}\"")
                .matcher(Files.readString(LAUNCHER));
        assertTrue(defaults.find(), "the launcher's default SPIFFE_CSI_JAVA_OPTS");
        Matcher env = Pattern.compile("(?m)^ENV SPIFFE_CSI_JAVA_OPTS=\"([^\"]*)\"$").matcher(dockerfile());
        assertTrue(env.find());
        Set<String> ours = Set.of(env.group(1).split("\\s+"));
        Map<String, String> ourByName = ours.stream().collect(Collectors.toMap(DockerfileTest::optionName, o -> o));
        for (String option : defaults.group(1).trim().split("\\s+")) {
            assertTrue(ourByName.containsKey(optionName(option)), () -> "the image drops " + option);
        }
        // serving writes nothing outside the socket and state directories: a read-only root file system without
        // a writable /tmp (the Go driver's DaemonSet) works
        assertTrue(ours.containsAll(Set.of("-Djava.library.path=/opt/spiffe-csi/native",
                "-Djna.boot.library.path=/opt/spiffe-csi/native", "-Djna.nounpack=true")),
                "native libraries load from /opt/spiffe-csi/native instead of being unpacked into /tmp");
        assertTrue(ours.contains("-XX:-UsePerfData"), "no hsperfdata file");
    }

    @Test
    void theMavenBuildLinksTheSameRuntimeAsTheImage() throws IOException {
        String pom = Files.readString(Kustomize.DEPLOY.resolve("driver/pom.xml"));
        Matcher modules = Pattern.compile("<jlink.modules>([^<]+)</jlink.modules>").matcher(pom);
        assertTrue(modules.find(), "deploy/driver/pom.xml links the runtime too");
        assertEquals(argDefaults(dockerfile()).get("JLINK_MODULES"), modules.group(1).strip());
    }

    @Test
    void theImageTrainsAnAotCacheWithItsOwnJavaOptionsAndUsesIt() throws IOException {
        String text = dockerfile();
        int train = text.indexOf("SPIFFE_CSI_JAVA_OPTS=\"$SPIFFE_CSI_JAVA_OPTS -XX:AOTCacheOutput="
                + "/opt/spiffe-csi/spiffe-csi-driver.aot ");
        int options = text.indexOf("ENV SPIFFE_CSI_JAVA_OPTS=\"-XX:");
        int use = text.indexOf("ENV SPIFFE_CSI_JAVA_OPTS=\"${SPIFFE_CSI_JAVA_OPTS} -XX:AOTCache="
                + "/opt/spiffe-csi/spiffe-csi-driver.aot\"");
        assertTrue(options >= 0 && train > options && use > train,
                "the cache is trained with the image's final options, after them, and used after training");
        assertTrue(text.contains("serve -node-id aot-training -backend symlink-dev"), "trained without privileges");
        assertTrue(text.contains("bench -endpoint \"unix://$n/csi.sock\""), "trained on a publish storm");
        assertTrue(text.contains("test -s /opt/spiffe-csi/spiffe-csi-driver.aot"), "the build fails without it");
    }

    /** -Xmx48m -> -Xmx, -XX:MaxRAM=256m -> -XX:MaxRAM, -XX:+UseSerialGC -> -XX:UseSerialGC. */
    static String optionName(String option) {
        if (option.startsWith("-XX:")) {
            String body = option.substring(4).replaceFirst("^[+-]", "");
            return "-XX:" + body.split("=")[0];
        }
        if (option.startsWith("-D")) {
            return option.split("=")[0];
        }
        Matcher m = Pattern.compile("(-X[a-z]+?)(\\d.*)?").matcher(option);
        return m.matches() ? m.group(1) : option;
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
        List<String> patterns = Files.readAllLines(ignore).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertTrue(patterns.containsAll(List.of(".git", "**/target")), patterns::toString);
        for (String needed : List.of("mvnw", ".mvn", "pom.xml", "deploy", "deploy/driver", "deploy/driver/src", "spi", "config", "engine")) {
            assertFalse(patterns.stream().anyMatch(p -> p.equals(needed) || p.equals(needed + "/")),
                    needed + " is ignored");
        }
        assertTrue(Files.isRegularFile(Kustomize.DEPLOY.getParent().resolve(".mvn/wrapper/maven-wrapper.properties")));
    }

    /** The production distribution's jars (deploy/driver/target/dist/lib), which the image packages. */
    static List<Path> distributionJars() throws IOException {
        Path lib = Path.of(System.getProperty("spiffecsi.dist", "../driver/target/dist")).resolve("lib");
        assertTrue(Files.isDirectory(lib), () -> lib + " is missing: package deploy/driver first (./build.sh)");
        try (Stream<Path> files = Files.list(lib)) {
            return files.filter(f -> f.toString().endsWith(".jar")).sorted().toList();
        }
    }

    /** The native libraries the jre stage unpacks are in the jars its globs pick, for both platforms. */
    @Test
    void nativeLibrariesTheImageUnpacksAreInTheDistribution() throws IOException {
        List<Path> jars = distributionJars();
        String text = dockerfile();
        Map<String, List<String>> wanted = Map.of(
                "grpc-netty-shaded-[^/]*\\.jar", List.of(
                        "META-INF/native/libio_grpc_netty_shaded_netty_transport_native_epoll_x86_64.so",
                        "META-INF/native/libio_grpc_netty_shaded_netty_transport_native_epoll_aarch_64.so"),
                "jna-[0-9][^/]*\\.jar", List.of(
                        "com/sun/jna/linux-x86-64/libjnidispatch.so", "com/sun/jna/linux-aarch64/libjnidispatch.so"));
        assertTrue(text.contains("jar xf /tmp/lib/grpc-netty-shaded-*.jar")
                && text.contains("jar xf /tmp/lib/jna-[0-9]*.jar"));
        assertTrue(text.contains("netty_transport_native_epoll_${netty}.so")
                && text.contains("com/sun/jna/${jna}/libjnidispatch.so"));
        for (Map.Entry<String, List<String>> jar : wanted.entrySet()) {
            List<Path> matches = jars.stream()
                    .filter(f -> f.getFileName().toString().matches(jar.getKey())).toList();
            assertEquals(1, matches.size(), () -> jar.getKey() + " matches " + matches);
            try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(matches.get(0).toFile())) {
                for (String entry : jar.getValue()) {
                    assertTrue(zip.getEntry(entry) != null, () -> matches.get(0) + " has no " + entry);
                }
            }
        }
    }

    /**
     * jdeps on the distribution's jars needs no module the jre stage leaves out. Jars are analyzed on the class
     * path with their module-info removed, as the driver runs them (jdeps refuses explicit modules whose required
     * modules are automatic ones, such as commons-validator's).
     */
    @Test
    void jlinkModulesCoverWhatJdepsFindsInTheDistribution(@TempDir Path scratch) throws IOException {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElse(null);
        assumeTrue(jdeps != null, "SKIPPED: this JDK has no jdeps");
        List<String> inputs = new ArrayList<>();
        int n = 0;
        for (Path entry : distributionJars()) {
            if (Files.isDirectory(entry)) {
                inputs.add(entry.toString()); // a module's target/classes, in a reactor build before `package`
            } else {
                Path stripped = scratch.resolve((n++) + "-" + entry.getFileName());
                withoutModuleInfo(entry, stripped);
                inputs.add(stripped.toString());
            }
        }
        List<String> command = new ArrayList<>(List.of("--print-module-deps", "--ignore-missing-deps",
                "--multi-release", String.valueOf(Runtime.version().feature()), "-q",
                "--class-path", String.join(java.io.File.pathSeparator, inputs)));
        command.addAll(inputs);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = jdeps.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), command.toArray(String[]::new));
        assertEquals(0, exit, () -> out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
        Set<String> needed = Arrays.stream(out.toString(StandardCharsets.UTF_8).strip().split(","))
                .map(String::strip).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(needed.contains("java.base") && needed.contains("jdk.unsupported"), needed::toString);

        String listed = argDefaults(dockerfile()).get("JLINK_MODULES");
        Set<String> linked = closure(Set.of(listed.split(",")));
        Set<String> missing = new TreeSet<>(needed);
        missing.removeAll(linked);
        assertEquals(Set.of(), missing, "modules the jars need that JLINK_MODULES (" + listed + ") leaves out");
    }

    /** The modules jlink links for {@code roots}: the roots and everything they require, transitively. */
    static Set<String> closure(Set<String> roots) {
        Map<String, ModuleDescriptor> system = ModuleFinder.ofSystem().findAll().stream()
                .map(ModuleReference::descriptor).collect(Collectors.toMap(ModuleDescriptor::name, d -> d));
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
