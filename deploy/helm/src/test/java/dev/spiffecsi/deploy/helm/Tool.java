package dev.spiffecsi.deploy.helm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An external command the checks need (helm, kubectl): found through its environment variable, PATH or
 * /usr/local/bin, and accepted only when its version output passes {@code acceptable}. Without one the calling
 * test is skipped, saying how to install it (under SPIFFECSI_REQUIRE_ALL=1, CI fails on the skip).
 */
record Tool(
        String name,
        String envVariable,
        List<String> versionCommand,
        Predicate<String> acceptable,
        String installHint) {

    static final Tool HELM = new Tool(
            "helm",
            "HELM",
            List.of("version", "--template", "{{.Version}}"),
            v -> v.matches("(?s)v[34]\\..*"),
            "install it with deploy/kubernetes/tools/install-helm.sh (or point HELM at a Helm 3 or 4)");
    static final Tool KUBECTL = new Tool(
            "kubectl",
            "KUBECTL",
            List.of("version", "--client"),
            v -> v.matches("(?s).*Kustomize Version: v([5-9]|\\d\\d+)\\..*"),
            "install it with deploy/kubernetes/tools/install-kubectl.sh (or point KUBECTL at a kubectl with "
                    + "kustomize v5+)");

    /** The executable, or skips the calling test with the reason and the install hint. */
    String binaryOrSkip() {
        Found found = Found.of(this);
        assumeTrue(
                found.binary().isPresent(),
                () -> "SKIPPED: the chart checks need " + name + ", and " + found.reason() + "; " + installHint);
        return found.binary().get();
    }

    /** Runs the tool; the result carries the exit code, whatever it is. */
    Result run(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(binaryOrSkip());
        command.addAll(args);
        return exec(command);
    }

    /** Runs the tool and returns its standard output, failing on a non-zero exit. */
    String output(List<String> args) {
        Result result = run(args);
        if (result.exit() != 0) {
            throw new AssertionError(
                    name + " " + String.join(" ", args) + " exited " + result.exit() + ": " + result.err());
        }
        return result.out();
    }

    record Result(int exit, String out, String err) {}

    private record Found(Optional<String> binary, String reason) {
        private static final java.util.Map<String, Found> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

        static Found of(Tool tool) {
            return CACHE.computeIfAbsent(tool.name(), n -> search(tool));
        }

        private static Found search(Tool tool) {
            List<String> candidates = new ArrayList<>();
            String fromEnv = System.getenv(tool.envVariable());
            String reason;
            if (fromEnv != null && !fromEnv.isBlank()) {
                // authoritative when set: HELM=none makes the checks skip
                candidates.add(fromEnv);
                reason = tool.envVariable() + "=" + fromEnv + " is not an executable";
            } else {
                for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
                    if (!dir.isEmpty()) {
                        candidates.add(Path.of(dir, tool.name()).toString());
                    }
                }
                candidates.add("/usr/local/bin/" + tool.name());
                reason = "no " + tool.name() + " was found (" + tool.envVariable() + ", PATH, /usr/local/bin)";
            }
            for (String candidate : candidates) {
                if (!Files.isExecutable(Path.of(candidate))) {
                    continue;
                }
                List<String> command = new ArrayList<>(List.of(candidate));
                command.addAll(tool.versionCommand());
                Result version = exec(command);
                if (version.exit() == 0 && tool.acceptable().test(version.out().strip())) {
                    return new Found(Optional.of(candidate), "");
                }
                reason = candidate + " is not a usable version (it says: "
                        + (version.out() + version.err()).strip().replace('\n', ' ') + ")";
            }
            return new Found(Optional.empty(), reason);
        }
    }

    static Result exec(List<String> command) {
        try {
            Process process = new ProcessBuilder(command)
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            String stdout = read(process.getInputStream());
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish");
            }
            return new Result(process.exitValue(), stdout, stderr.join());
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
}
