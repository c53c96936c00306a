package dev.spiffecsi.spi;

import java.util.Objects;

/**
 * Whether a backend can serve publishes now, with a reason an operator can act on.
 *
 * @since 0.1
 */
public record Health(boolean ready, String message) {
    public Health {
        Objects.requireNonNull(message, "message");
    }

    public static Health ready(String message) {
        return new Health(true, message);
    }

    public static Health notReady(String message) {
        return new Health(false, message);
    }
}
