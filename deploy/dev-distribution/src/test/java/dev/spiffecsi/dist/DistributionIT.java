package dev.spiffecsi.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.dev.kubelet.KubeletSimulator;
import dev.spiffecsi.dev.kubelet.Pod;
import dev.spiffecsi.dev.kubelet.RetryPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged distribution as a user runs it: {@code bin/spiffe-csi-driver} with {@code lib/} and
 * {@code plugins/}. A third-party backend jar dropped into {@code plugins/} is discovered and selectable, and one
 * that reuses a taken name stops the driver naming both classes.
 */
class DistributionIT {

    private static final Path DIST = Path.of(System.getProperty("spiffecsi.dist", "target/dist"));
    private static final Path LAUNCHER = DIST.resolve("bin/spiffe-csi-driver");
    private static final Path RUNTIME = Path.of(System.getProperty("spiffecsi.runtime", "target/runtime"));

    @TempDir
    Path scratch;

    private final List<Path> droppedJars = new ArrayList<>();

    record Result(int exit, String output) {}

    @BeforeEach
    void distributionExists() {
        assertTrue(Files.isExecutable(LAUNCHER), LAUNCHER + " after `package`");
        assertTrue(Files.isDirectory(DIST.resolve("plugins")), "an (empty) plugins directory");
    }

    @AfterEach
    void removeDroppedJars() throws IOException {
        for (Path jar : droppedJars) {
            Files.deleteIfExists(jar);
        }
    }

    private Result run(Map<String, String> environment, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new Result(process.exitValue(), output);
    }

    private Result run(String... args) throws Exception {
        return run(Map.of(), args);
    }

    @Test
    void theLauncherFindsAJdk21EvenWhenTheDefaultJavaIsOlder() throws Exception {
        Path oldJava = Stream.of("/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/java-1.17.0-openjdk-amd64")
                .map(Path::of)
                .filter(p -> Files.isExecutable(p.resolve("bin/java")))
                .findFirst()
                .orElse(null);
        Map<String, String> environment = new java.util.HashMap<>();
        environment.put("JAVA_HOME", "");
        if (oldJava != null) {
            environment.put("PATH", oldJava.resolve("bin") + ":" + System.getenv("PATH"));
        }
        Result version = run(environment, "--version");
        assertEquals(0, version.exit(), version.output());
        assertTrue(version.output().startsWith("spiffe-csi-driver "), version.output());
    }

    @Test
    void theDriverServesFromTheJlinkedRuntimeOfTheImage() throws Exception {
        assertTrue(Files.isExecutable(RUNTIME.resolve("bin/java")), RUNTIME + " after `package`");
        Path node = Files.createTempDirectory("rt"); // short: Unix socket paths are limited to 107 bytes
        Path pods = Files.createDirectories(node.resolve("pods"));
        Path socket = node.resolve("csi.sock");
        Path log = node.resolve("driver.log");
        ProcessBuilder builder = new ProcessBuilder(
                        LAUNCHER.toString(),
                        "-node-id",
                        "n1",
                        "--backend",
                        "symlink-dev",
                        "-workload-api-socket-dir",
                        Files.createDirectories(node.resolve("agent")).toString(),
                        "-csi-socket-path",
                        socket.toString(),
                        "--kubelet-pods-dir",
                        pods.toString(),
                        "--state-dir",
                        node.resolve("state").toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", RUNTIME.toAbsolutePath().toString());
        Process driver = builder.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(socket) && driver.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            try (KubeletSimulator kubelet = KubeletSimulator.connect(
                    socket, pods, new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(100), 1))) {
                assertEquals("n1", kubelet.register().nodeId(), Files.readString(log));
                Path target = kubelet.publish(Pod.of("web", "default", "default"));
                assertTrue(Files.isSymbolicLink(target));
            }
            driver.destroy();
            assertTrue(driver.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, driver.exitValue(), Files.readString(log));
            assertTrue(Files.readString(log).contains("spiffe-csi-driver "), Files.readString(log));
        } finally {
            driver.destroyForcibly();
            try (Stream<Path> files = Files.walk(node)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void listsTheBundledBackendsWithTheirJars() throws Exception {
        Result backends = run("backends");
        assertEquals(0, backends.exit(), backends.output());
        for (String name : List.of("bindmount", "symlink-dev", "fuse-proxy")) {
            assertTrue(backends.output().contains(name + " "), backends.output());
            assertTrue(backends.output().contains("lib/backend-" + name + "-"), backends.output());
        }
    }

    @Test
    void aBackendDroppedIntoPluginsIsDiscoveredConfiguredAndSelectable() throws Exception {
        dropPlugin("acme-mount", "com.acme.csi.AcmeProvider", "spiffe-csi.backends.acme-mount { greeting = hello }");

        Result backends = run("backends");
        assertEquals(0, backends.exit(), backends.output());
        assertTrue(backends.output().contains("acme-mount"), backends.output());
        assertTrue(backends.output().contains("plugins/acme-mount.jar"), backends.output());

        Result config = run(
                "check-config",
                "-node-id",
                "n1",
                "--backend",
                "acme-mount",
                "-workload-api-socket-dir",
                scratch.toString());
        assertEquals(0, config.exit(), config.output());
        assertTrue(config.output().contains("greeting=hello"), "its reference.conf is merged: " + config.output());
    }

    @Test
    void aPluginReusingATakenNameStopsTheDriverNamingBothClasses() throws Exception {
        dropPlugin("bindmount", "com.acme.csi.Impostor", "");

        Result backends = run("backends");
        assertEquals(1, backends.exit(), backends.output());
        assertTrue(backends.output().contains("two backends are named \"bindmount\""), backends.output());
        assertTrue(backends.output().contains("com.acme.csi.Impostor"), backends.output());
        assertTrue(backends.output().contains("dev.spiffecsi.backend.bindmount.BindMountProvider"), backends.output());
    }

    @Test
    void anUnknownBackendListsWhatIsAvailable() throws Exception {
        Result serve = run("serve", "-node-id", "n1", "--backend", "nfs");
        assertEquals(1, serve.exit(), serve.output());
        assertTrue(
                serve.output()
                        .contains(
                                "unknown backend \"nfs\"; available backends: bindmount, fuse-proxy, " + "symlink-dev"),
                serve.output());
        assertTrue(serve.output().contains("plugins/"), serve.output());
    }

    /** Compiles a one-class provider against the distribution's spi jar and drops it into plugins/. */
    private void dropPlugin(String name, String className, String referenceConf) throws IOException {
        int dot = className.lastIndexOf('.');
        String pkg = className.substring(0, dot);
        String simple = className.substring(dot + 1);
        Path sources = Files.createDirectories(scratch.resolve("src/" + pkg.replace('.', '/')));
        Files.writeString(sources.resolve(simple + ".java"), """
                package %s;

                import dev.spiffecsi.spi.*;
                import java.nio.file.Path;

                public final class %s implements BackendProvider {
                    public String name() { return "%s"; }
                    public String description() { return "a third-party backend"; }
                    public Backend create(BackendConfig config, EngineContext context) {
                        config.keys();
                        return new Backend() {
                            public TargetState inspect(Path target) { return TargetState.ABSENT; }
                            public void publish(PublishRequest request) { }
                            public void unpublish(UnpublishRequest request) { }
                            public VolumeCondition condition(Path target) { return VolumeCondition.healthy("ok"); }
                            public Health health() { return Health.ready("ok"); }
                        };
                    }
                }
                """.formatted(pkg, simple, name));
        Path classes = Files.createDirectories(scratch.resolve("classes-" + name));
        Path spiJar;
        try (Stream<Path> lib = Files.list(DIST.resolve("lib"))) {
            spiJar = lib.filter(p -> p.getFileName().toString().startsWith("spi-"))
                    .findFirst()
                    .orElseThrow();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int compiled = javac.run(
                null,
                null,
                null,
                "--release",
                "21",
                "-cp",
                spiJar.toString(),
                "-d",
                classes.toString(),
                sources.resolve(simple + ".java").toString());
        assertEquals(0, compiled, "the plugin compiles against the spi jar alone");

        Path jar = DIST.resolve("plugins").resolve(name + ".jar");
        droppedJars.add(jar);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile)
                    .sorted(Comparator.naturalOrder())
                    .toList()) {
                add(out, classes.relativize(file).toString(), Files.readAllBytes(file));
            }
            add(
                    out,
                    "META-INF/services/dev.spiffecsi.spi.BackendProvider",
                    (className + "\n").getBytes(StandardCharsets.UTF_8));
            if (!referenceConf.isEmpty()) {
                add(out, "reference.conf", referenceConf.getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static void add(JarOutputStream out, String name, byte[] content) throws IOException {
        out.putNextEntry(new JarEntry(name));
        out.write(content);
        out.closeEntry();
    }
}
