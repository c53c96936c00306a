package dev.spiffecsi.dev.demo;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** Numbers the demo's steps, prints what each did, and names the step that failed. */
final class DemoSteps {

    /** A step that failed; its message names the step. */
    static final class StepFailedException extends Exception {
        StepFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final PrintStream out;
    private final int total;
    private int current;

    DemoSteps(PrintStream out, int total) {
        this.out = out;
        this.total = total;
    }

    /**
     * Runs one step and prints its report.
     *
     * @param name what the step does, for the failure message
     * @param step returns the report: what was done, for the user
     */
    void run(String name, Callable<String> step) throws StepFailedException {
        current++;
        String report;
        try {
            report = step.call();
        } catch (Exception | LinkageError e) {
            // a LinkageError is a broken installation (a jar missing from lib/): still this step's failure
            throw new StepFailedException(
                    "demo failed at step " + current + "/" + total + " (" + name + "): " + describe(e), e);
        }
        out.println("[" + current + "/" + total + "] " + report);
        out.flush();
    }

    /**
     * The message, and the messages of its causes when they add something. A message-less failure or a linkage
     * error (whose message is only a class name) is shown with its type.
     */
    private static String describe(Throwable failure) {
        StringBuilder text = new StringBuilder(
                failure.getMessage() == null || failure instanceof LinkageError
                        ? failure.toString()
                        : failure.getMessage());
        for (Throwable cause = failure.getCause(); cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && !text.toString().contains(cause.getMessage())) {
                text.append(": ").append(cause.getMessage());
            }
        }
        return text.toString();
    }
}
