package dev.spiffecsi.e2e;

import dev.spiffecsi.e2e.support.Progress;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Names the backend and the check in every failure ("[fuse-proxy (fuse-proxy)] kubelet restart: ..."), and adds
 * every check's result and duration to the tier's closing summary.
 */
final class CheckReport
        implements BeforeTestExecutionCallback,
                TestExecutionExceptionHandler,
                LifecycleMethodExecutionExceptionHandler,
                TestWatcher {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CheckReport.class);

    @Override
    public void beforeTestExecution(ExtensionContext context) {
        context.getStore(NAMESPACE).put("start", System.nanoTime());
        Progress.log(where(context) + " ...");
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        if (thrown instanceof AssertionError || thrown instanceof RuntimeException) {
            // the original's cause, not the original: its message would be printed twice
            AssertionError named = new AssertionError(where(context) + ": " + thrown.getMessage(), thrown.getCause());
            named.setStackTrace(thrown.getStackTrace());
            throw named;
        }
        throw thrown;
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        report(context, "PASS", "");
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        String prefix = where(context) + ": ";
        if (message.startsWith(prefix)) {
            message = message.substring(prefix.length());
        }
        report(context, "FAIL", " -- " + message.lines().findFirst().orElse(""));
    }

    /** A failed deployment fails every check of the backend: it is named, and counted once in the summary. */
    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        String line = "FAIL [" + context.getDisplayName() + "] deploy -- "
                + String.valueOf(thrown.getMessage()).lines().findFirst().orElse("");
        Progress.log(line);
        tier(context).ifPresent(tier -> tier.result(line));
        AssertionError named = new AssertionError(
                "[" + context.getDisplayName() + "] deploy: " + thrown.getMessage(), thrown.getCause());
        named.setStackTrace(thrown.getStackTrace());
        throw named;
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        report(context, "SKIP", " -- " + cause.getMessage());
    }

    private static void report(ExtensionContext context, String result, String detail) {
        Long start = context.getStore(NAMESPACE).get("start", Long.class);
        String took = start == null ? "" : " (" + Progress.format(Duration.ofNanos(System.nanoTime() - start)) + ")";
        String line = String.format("%-4s %s%s%s", result, where(context), took, detail);
        Progress.log(line);
        tier(context).ifPresent(tier -> tier.result(line));
    }

    /** "[production (bindmount)] kubelet restart": the class's display name and the check's. */
    private static String where(ExtensionContext context) {
        String backend =
                context.getParent().map(ExtensionContext::getDisplayName).orElse("?");
        return "[" + backend + "] " + context.getDisplayName();
    }

    private static Optional<Tier> tier(ExtensionContext context) {
        return context.getTestInstance()
                .filter(TierCheck.class::isInstance)
                .map(instance -> ((TierCheck) instance).tier());
    }
}
