package dev.spiffecsi.hostile;

import io.grpc.Status;
import java.util.EnumSet;
import java.util.Set;

/**
 * The three Node RPCs a pod spec reaches, each with the status codes the tier accepts from it: those the CSI spec
 * lists for the RPC, plus the general gRPC ones for "try again later" (ABORTED, UNAVAILABLE) and a refused size
 * (RESOURCE_EXHAUSTED). Every other code fails the tier: INTERNAL (a bug, or a failure the driver did not classify),
 * UNKNOWN (an exception that escaped), DEADLINE_EXCEEDED (a stall: the tier's deadline is generous), UNIMPLEMENTED,
 * PERMISSION_DENIED, UNAUTHENTICATED, CANCELLED, OUT_OF_RANGE, DATA_LOSS.
 *
 * <table>
 * <tr><th>RPC</th><th>accepted</th></tr>
 * <tr><td>NodePublishVolume</td><td>OK, INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED,
 * RESOURCE_EXHAUSTED, UNAVAILABLE</td></tr>
 * <tr><td>NodeUnpublishVolume</td><td>OK, INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, ABORTED,
 * RESOURCE_EXHAUSTED, UNAVAILABLE (ALREADY_EXISTS means nothing for an unpublish)</td></tr>
 * <tr><td>NodeGetVolumeStats</td><td>OK, INVALID_ARGUMENT, NOT_FOUND, ABORTED, RESOURCE_EXHAUSTED, UNAVAILABLE
 * </td></tr>
 * </table>
 */
enum CsiRpc {
    PUBLISH(
            "NodePublishVolume",
            EnumSet.of(
                    Status.Code.OK,
                    Status.Code.INVALID_ARGUMENT,
                    Status.Code.NOT_FOUND,
                    Status.Code.ALREADY_EXISTS,
                    Status.Code.FAILED_PRECONDITION,
                    Status.Code.ABORTED,
                    Status.Code.RESOURCE_EXHAUSTED,
                    Status.Code.UNAVAILABLE)),
    UNPUBLISH(
            "NodeUnpublishVolume",
            EnumSet.of(
                    Status.Code.OK,
                    Status.Code.INVALID_ARGUMENT,
                    Status.Code.NOT_FOUND,
                    Status.Code.FAILED_PRECONDITION,
                    Status.Code.ABORTED,
                    Status.Code.RESOURCE_EXHAUSTED,
                    Status.Code.UNAVAILABLE)),
    STATS(
            "NodeGetVolumeStats",
            EnumSet.of(
                    Status.Code.OK,
                    Status.Code.INVALID_ARGUMENT,
                    Status.Code.NOT_FOUND,
                    Status.Code.ABORTED,
                    Status.Code.RESOURCE_EXHAUSTED,
                    Status.Code.UNAVAILABLE));

    private final String method;

    @SuppressWarnings("ImmutableEnumChecker") // Set.copyOf: unmodifiable
    private final Set<Status.Code> allowed;

    CsiRpc(String method, Set<Status.Code> allowed) {
        this.method = method;
        this.allowed = Set.copyOf(allowed);
    }

    String method() {
        return method;
    }

    boolean allows(Status.Code code) {
        return allowed.contains(code);
    }

    Set<Status.Code> allowed() {
        return allowed;
    }
}
