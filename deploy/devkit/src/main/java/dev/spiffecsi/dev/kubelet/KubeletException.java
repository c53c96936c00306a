package dev.spiffecsi.dev.kubelet;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** A CSI call that still failed after every retry; {@link #status()} is the driver's last answer. */
public final class KubeletException extends RuntimeException {

    private final transient Status status;

    KubeletException(String message, StatusRuntimeException lastFailure) {
        super(message, lastFailure);
        this.status = lastFailure.getStatus();
    }

    KubeletException(String message, InterruptedException cause) {
        super(message, cause);
        this.status = Status.CANCELLED.withDescription("interrupted");
    }

    public Status status() {
        return status;
    }
}
