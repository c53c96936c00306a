package dev.spiffecsi.e2e.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program to completion with a time limit, capturing what it prints. Every command of the tier goes
 * through here (the rig's scripts, kubectl, debootstrap, chroot), so that a failure always quotes the command,
 * its exit code and its output.
 */
public final class Exec {

    private Exec() {}

    /** What a finished program did. */
    public record Result(List<String> command, int exit, String stdout, String stderr) {

        public boolean ok() {
            return exit == 0;
        }

        /** This result, or an {@link IllegalStateException} describing the failed command. */
        public Result orThrow() {
            if (!ok()) {
                throw new IllegalStateException(describe());
            }
            return this;
        }

        public String describe() {
            return "`" + String.join(" ", command) + "` exited with " + exit + section("stdout", stdout)
                    + section("stderr", stderr);
        }

        private static String section(String name, String text) {
            return text.isBlank() ? "" : "\n--- " + name + ":\n" + Text.tail(text.strip(), 60);
        }
    }

    public static Result run(List<String> command, Duration timeout) {
        return run(command, null, Map.of(), timeout);
    }

    /**
     * @param stdin       written to the program's standard input, then closed; {@code null} for none
     * @param environment added to this process's environment
     * @throws IllegalStateException when the program cannot start or outlives {@code timeout} (it is then killed,
     *                               with its descendants)
     */
    public static Result run(List<String> command, String stdin, Map<String, String> environment, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        if (stdin == null) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start `" + String.join(" ", command) + "`: " + e.getMessage(), e);
        }
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        if (stdin != null) {
            try (OutputStream in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the program exited without reading everything; its exit code and output tell why
            }
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("`" + String.join(" ", command) + "` did not finish within "
                        + timeout.toSeconds() + "s and was killed; it printed:\n"
                        + Text.tail(out.getNow("") + err.getNow(""), 60));
            }
            return new Result(List.copyOf(command), process.exitValue(), out.get(), err.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while running `" + String.join(" ", command) + "`", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the output of `" + String.join(" ", command) + "`", e);
        }
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (stream) {
                text.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.completeExceptionally(new UncheckedIOException(e));
            }
        });
        return text;
    }
}
