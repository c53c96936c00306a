package dev.spiffecsi.engine.csi;

import dev.spiffecsi.engine.volume.VolumeException;
import dev.spiffecsi.spi.BackendException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** The one place where domain failures become gRPC status codes. */
final class StatusMapper {

    private StatusMapper() {}

    static StatusRuntimeException toStatus(Throwable failure) {
        Status status = switch (failure) {
            case VolumeException e -> forReason(e.reason());
            case BackendException e -> forFailure(e.failure());
            case StatusRuntimeException e -> e.getStatus();
            default -> Status.INTERNAL;
        };
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        return status.withDescription(message).asRuntimeException();
    }

    static Status forReason(VolumeException.Reason reason) {
        return switch (reason) {
            case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case OPERATION_PENDING -> Status.ABORTED;
            case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
            case UNAVAILABLE -> Status.UNAVAILABLE;
            case INTERNAL -> Status.INTERNAL;
        };
    }

    static Status forFailure(BackendException.Failure failure) {
        return switch (failure) {
            case INVALID_CONFIG -> Status.FAILED_PRECONDITION;
            case INVALID_REQUEST -> Status.INVALID_ARGUMENT;
            case TARGET_OCCUPIED -> Status.ALREADY_EXISTS;
            case UNAVAILABLE -> Status.UNAVAILABLE;
            case INTERNAL -> Status.INTERNAL;
        };
    }
}
