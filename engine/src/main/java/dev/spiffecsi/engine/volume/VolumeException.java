package dev.spiffecsi.engine.volume;

import java.util.Objects;

/**
 * A failure decided by the engine. {@link Reason}s are CSI's error conditions; the CSI adapter maps each to its
 * gRPC status code in one place.
 */
public final class VolumeException extends RuntimeException {

    /** Why a volume operation failed. */
    public enum Reason {
        /** A request field is missing or wrong; the message names the field. */
        INVALID_ARGUMENT,
        /** The named volume or path does not exist. */
        NOT_FOUND,
        /** The target is already published for another volume, or holds something else. */
        ALREADY_EXISTS,
        /** Another operation on the same volume or target is in progress. */
        OPERATION_PENDING,
        /** The node is not in a state that allows the operation. */
        FAILED_PRECONDITION,
        /** A temporary condition; retrying may succeed. */
        UNAVAILABLE,
        /** An unexpected host failure. */
        INTERNAL
    }

    private final Reason reason;

    public VolumeException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason);
    }

    public VolumeException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason);
    }

    public Reason reason() {
        return reason;
    }

    static VolumeException invalid(String message) {
        return new VolumeException(Reason.INVALID_ARGUMENT, message);
    }
}
