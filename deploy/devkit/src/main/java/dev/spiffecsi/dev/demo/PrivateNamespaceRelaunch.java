package dev.spiffecsi.dev.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts the demo again as {@code unshare --mount --propagation private -- java … <entry point> demo <args>}, so
 * that its bind mounts exist only in a new mount namespace and vanish with it, and relays its output and exit code.
 */
final class PrivateNamespaceRelaunch {

    /** How long this process waits, on Ctrl-C, for the relaunched demo to clean up before it exits itself. */
    private static final long CLEANUP_PATIENCE_SECONDS = 30;

    private PrivateNamespaceRelaunch() {}

    static int run(Class<?> entryPoint, List<String> demoArgs, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), entryPoint.getName(), "demo"));
        command.addAll(demoArgs);
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put(MountPrivileges.OUTER_NAMESPACE_VARIABLE, MountPrivileges.ownNamespace());
        Process demo = builder.start();
        // Ctrl-C reaches the whole process group: the relaunched demo cleans up; this process must not exit first
        Thread awaitCleanup = new Thread(() -> awaitQuietly(demo), "demo-await-private-namespace");
        Runtime.getRuntime().addShutdownHook(awaitCleanup);
        try {
            Thread errors = relay(demo.getErrorStream(), err);
            demo.getInputStream().transferTo(out);
            errors.join();
            return demo.waitFor();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(awaitCleanup);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook is already waiting for the demo
            }
        }
    }

    private static Thread relay(InputStream from, OutputStream to) {
        Thread thread = new Thread(
                () -> {
                    try {
                        from.transferTo(to);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot relay the demo's standard error", e);
                    }
                },
                "demo-stderr-relay");
        thread.start();
        return thread;
    }

    private static void awaitQuietly(Process demo) {
        try {
            demo.waitFor(CLEANUP_PATIENCE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
