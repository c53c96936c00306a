package dev.spiffecsi.spi;

import java.util.Objects;

/**
 * A typed backend failure. The engine maps the {@link Failure} to a gRPC status code in one place, and logs it
 * once with the volume id and target path; backends should not log the failures they throw.
 *
 * @since 0.1
 */
public class BackendException extends RuntimeException {

    /** What went wrong, from the caller's point of view. */
    public enum Failure {
        /** A backend setting is missing or wrong; startup fails. */
        INVALID_CONFIG,
        /** The request cannot be honoured as given. */
        INVALID_REQUEST,
        /** The target holds something this backend must not touch. */
        TARGET_OCCUPIED,
        /** The node is not in a state to do this now (agent socket dir missing, target busy); retry later. */
        UNAVAILABLE,
        /** A host operation failed unexpectedly. */
        INTERNAL
    }

    private final Failure failure;

    public BackendException(Failure failure, String message) {
        super(message);
        this.failure = Objects.requireNonNull(failure, "failure");
    }

    public BackendException(Failure failure, String message, Throwable cause) {
        super(message, cause);
        this.failure = Objects.requireNonNull(failure, "failure");
    }

    public Failure failure() {
        return failure;
    }
}
