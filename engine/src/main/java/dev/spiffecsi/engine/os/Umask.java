package dev.spiffecsi.engine.os;

/** The process umask, so that a socket can be created with restrictive permissions from the first instant. */
public final class Umask {

    private Umask() {}

    /**
     * Runs {@code action} with {@code mask} as the process umask, then restores the previous one. The umask is
     * process-wide: call only while no other thread creates files (at startup).
     */
    public static <T, E extends Exception> T with(int mask, ThrowingSupplier<T, E> action) throws E {
        int previous = LibC.INSTANCE.umask(mask);
        try {
            return action.get();
        } finally {
            LibC.INSTANCE.umask(previous);
        }
    }

    /** A supplier that may throw. */
    @FunctionalInterface
    public interface ThrowingSupplier<T, E extends Exception> {
        T get() throws E;
    }
}
