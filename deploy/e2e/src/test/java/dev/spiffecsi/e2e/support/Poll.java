package dev.spiffecsi.e2e.support;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Waits for a condition by asking again and again, instead of sleeping for a guessed time. A timeout fails with
 * what was awaited, the last answer or error, and the diagnostics the caller supplies (a pod's description,
 * events and logs): the failure must explain itself.
 */
public final class Poll {

    private static final Duration INTERVAL = Duration.ofMillis(500);

    private Poll() {}

    /** The condition's outcome while it is not met: why not, for the failure message. */
    public sealed interface Outcome<T> {
        record Met<T>(T value) implements Outcome<T> {}

        record NotYet<T>(String why) implements Outcome<T> {}
    }

    public static <T> Outcome<T> met(T value) {
        return new Outcome.Met<>(value);
    }

    public static <T> Outcome<T> notYet(String why) {
        return new Outcome.NotYet<>(why);
    }

    /**
     * Asks {@code probe} until it reports {@link Outcome.Met}, or fails after {@code timeout}. A probe that throws
     * is asked again (the cluster may be catching up); its last error is part of the failure message.
     */
    public static <T> T until(String what, Duration timeout, Supplier<Outcome<T>> probe, Supplier<String> diagnostics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "never asked";
        while (true) {
            try {
                Outcome<T> outcome = probe.get();
                if (outcome instanceof Outcome.Met<T> met) {
                    return met.value();
                }
                last = ((Outcome.NotYet<T>) outcome).why();
            } catch (RuntimeException e) {
                last = "the last attempt failed: " + e.getMessage();
            }
            if (System.nanoTime() >= deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + "s waiting for " + what
                        + "\nlast seen: " + last + "\n" + safely(diagnostics));
            }
            sleep(INTERVAL);
        }
    }

    private static String safely(Supplier<String> diagnostics) {
        try {
            return diagnostics.get();
        } catch (RuntimeException e) {
            return "(diagnostics unavailable: " + e.getMessage() + ")";
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while polling", e);
        }
    }
}
