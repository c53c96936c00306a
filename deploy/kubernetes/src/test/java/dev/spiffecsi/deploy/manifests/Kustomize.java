package dev.spiffecsi.deploy.manifests;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders kustomizations with {@code kubectl kustomize} (kustomize v5 or newer, built into kubectl). Without such
 * a kubectl the tests that need a rendering are skipped, saying how to install one.
 */
final class Kustomize {

    /** The deploy directory: the image definition, the manifests (kubernetes/) and the modules that are run. */
    static final Path DEPLOY = locateDeployModule();
    /** deploy/kubernetes: base, overlays, components. */
    static final Path KUBERNETES = DEPLOY.resolve("kubernetes");
    /** Test kustomizations combining overlays with components (kept in the source tree: they use relative paths). */
    static final Path COMPOSITIONS = DEPLOY.resolve("kubernetes/src/test/resources/manifests/compositions");
    /** The Go driver's example manifests. */
    static final Path SEED = DEPLOY.resolve("kubernetes/src/test/resources/manifests/seed");

    static final int MIN_KUSTOMIZE_MAJOR = 5;

    /** Every file of the manifests tree, without this module's own sources and build output (src/, target/). */
    static List<Path> manifestFiles() throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(KUBERNETES)) {
            return files.filter(Files::isRegularFile)
                    .filter(f ->
                            !f.startsWith(KUBERNETES.resolve("src")) && !f.startsWith(KUBERNETES.resolve("target")))
                    .sorted()
                    .toList();
        }
    }

    static final String INSTALL_HINT = "install it with deploy/kubernetes/tools/install-kubectl.sh (or point the "
            + "KUBECTL environment variable at a kubectl whose 'kubectl version --client' shows Kustomize v5+)";

    private static final Pattern KUSTOMIZE_VERSION = Pattern.compile("Kustomize Version: v(\\d+)\\.(\\d+)");
    private static final Map<Path, Rendered> CACHE = new ConcurrentHashMap<>();
    private static volatile Optional<String> kubectl;
    private static volatile String unavailable;

    private Kustomize() {}

    /** Renders {@code dir} (relative to deploy/kubernetes, or "compositions/NAME"), or skips the test. */
    static Rendered render(String dir) {
        Path path = dir.startsWith("compositions/")
                ? COMPOSITIONS.resolve(dir.substring("compositions/".length()))
                : KUBERNETES.resolve(dir);
        String binary = kubectlOrSkip();
        return CACHE.computeIfAbsent(path, p -> Rendered.parse(dir, run(binary, p)));
    }

    /** The kubectl to use, or skips the calling test with a message that says how to get one. */
    static String kubectlOrSkip() {
        Optional<String> found = kubectl();
        assumeTrue(
                found.isPresent(),
                () -> "SKIPPED: the manifest checks render with `kubectl kustomize`, and " + unavailable + "; "
                        + INSTALL_HINT);
        return found.get();
    }

    static synchronized Optional<String> kubectl() {
        if (kubectl == null) {
            kubectl = findKubectl();
        }
        return kubectl;
    }

    private static Optional<String> findKubectl() {
        List<String> candidates = new ArrayList<>();
        String fromEnv = System.getenv("KUBECTL");
        String reason;
        if (fromEnv != null && !fromEnv.isBlank()) {
            // authoritative when set: KUBECTL=none makes the rendering tests skip
            candidates.add(fromEnv);
            reason = "KUBECTL=" + fromEnv + " is not an executable";
        } else {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "kubectl").toString());
                }
            }
            candidates.add("/usr/local/bin/kubectl");
            reason = "no kubectl was found (KUBECTL, PATH, /usr/local/bin)";
        }
        for (String candidate : candidates) {
            if (!Files.isExecutable(Path.of(candidate))) {
                continue;
            }
            String version;
            try {
                version = exec(List.of(candidate, "version", "--client"));
            } catch (RuntimeException e) {
                reason = candidate + " failed: " + e.getMessage();
                continue;
            }
            Matcher m = KUSTOMIZE_VERSION.matcher(version);
            if (m.find() && Integer.parseInt(m.group(1)) >= MIN_KUSTOMIZE_MAJOR) {
                return Optional.of(candidate);
            }
            reason = candidate + " has no kustomize v" + MIN_KUSTOMIZE_MAJOR + "+ (it says: "
                    + version.strip().replace('\n', ' ') + ")";
        }
        unavailable = reason;
        return Optional.empty();
    }

    private static String run(String binary, Path dir) {
        return exec(List.of(binary, "kustomize", dir.toString()));
    }

    private static String exec(List<String> command) {
        try {
            Process process = new ProcessBuilder(command)
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            String stdout = read(process.getInputStream());
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " timed out");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        String.join(" ", command) + " exited " + process.exitValue() + ": " + stderr.join());
            }
            return stdout;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path locateDeployModule() {
        for (String base : new String[] {System.getProperty("basedir"), System.getProperty("user.dir")}) {
            if (base == null) {
                continue;
            }
            for (Path candidate : List.of(Path.of(base).resolve(".."), Path.of(base), Path.of(base, "deploy"))) {
                if (Files.isDirectory(candidate.resolve("kubernetes"))
                        && Files.isRegularFile(candidate.resolve("Dockerfile"))) {
                    return candidate.toAbsolutePath().normalize();
                }
            }
        }
        throw new IllegalStateException("cannot find the deploy module (basedir " + System.getProperty("basedir")
                + ", user.dir " + System.getProperty("user.dir") + ")");
    }
}
