package dev.spiffecsi.hostile;

/**
 * The tier's seed: {@code -Dhostile.seed=N}, else the environment variable {@code HOSTILE_SEED}, else a fresh one.
 * It is printed, so that any run can be repeated with the same requests in the same order.
 */
final class TierSeed {

    static final String PROPERTY = "hostile.seed";
    static final String VARIABLE = "HOSTILE_SEED";

    private static final long SEED = resolve();

    private TierSeed() {}

    /** The seed for one part of the tier, derived from the run's seed so that the parts do not share a stream. */
    static long forPart(String part) {
        return SEED * 31 + part.hashCode();
    }

    static long value() {
        return SEED;
    }

    /** How to run again with this seed. */
    static String howToRepeat() {
        return "seed " + SEED + " (repeat with -D" + PROPERTY + "=" + SEED + " or " + VARIABLE + "=" + SEED + ")";
    }

    private static long resolve() {
        for (String given : new String[] {System.getProperty(PROPERTY), System.getenv(VARIABLE)}) {
            if (given != null && !given.isBlank() && !given.startsWith("${")) {
                try {
                    return Long.parseLong(given.strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            PROPERTY + "/" + VARIABLE + " must be a number, got \"" + given + "\"", e);
                }
            }
        }
        return System.nanoTime() ^ System.currentTimeMillis();
    }
}
