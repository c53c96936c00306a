package dev.spiffecsi.spi;

import java.util.Objects;

/**
 * CSI's VolumeCondition: whether a published volume still works, and why not.
 *
 * @since 0.1
 */
public record VolumeCondition(boolean abnormal, String message) {
    public VolumeCondition {
        Objects.requireNonNull(message, "message");
    }

    public static VolumeCondition healthy(String message) {
        return new VolumeCondition(false, message);
    }

    public static VolumeCondition abnormal(String message) {
        return new VolumeCondition(true, message);
    }
}
