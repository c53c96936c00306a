package dev.spiffecsi.backend.fuseproxy.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.protocol.workload.SpiffeWorkloadAPIGrpc;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVIDRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVIDResponse;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The security header check, as a pod that calls without the header in a loop sees it and the log shows it. */
class WorkloadApiInterceptorTest {

    /** A call that records how it was closed. */
    private static final class Call extends ServerCall<X509SVIDRequest, X509SVIDResponse> {
        Status closed;

        @Override
        public void request(int count) {}

        @Override
        public void sendHeaders(Metadata headers) {}

        @Override
        public void sendMessage(X509SVIDResponse message) {}

        @Override
        public void close(Status status, Metadata trailers) {
            closed = status;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public MethodDescriptor<X509SVIDRequest, X509SVIDResponse> getMethodDescriptor() {
            return SpiffeWorkloadAPIGrpc.getFetchX509SVIDMethod();
        }
    }

    @Test
    void everyCallWithoutTheHeaderIsRefusedAndOneLineAMinuteLogged() {
        CapturingLogger log = new CapturingLogger();
        WorkloadApiInterceptor interceptor = new WorkloadApiInterceptor(
                (peer, process) -> CallerResolver.unidentified(),
                new VolumeLabel("vol", Path.of("/pods/uid/volumes/kubernetes.io~csi/v/mount")),
                log);
        for (int i = 0; i < 500; i++) {
            Call call = new Call();
            interceptor.interceptCall(call, new Metadata(), (c, headers) -> {
                throw new AssertionError("a call without the security header reached the service");
            });
            assertEquals(Status.Code.INVALID_ARGUMENT, call.closed.getCode());
            assertEquals("security header missing from request", call.closed.getDescription());
        }
        assertEquals(1, log.lines.size(), log.lines.toString());
        assertTrue(
                log.lines
                        .get(0)
                        .contains("volume vol at /pods/uid/volumes/kubernetes.io~csi/v/mount: refused "
                                + "FetchX509SVID"),
                log.lines.get(0));
    }

    /** A pod over a limit or refused is named in the line, not only its volume. */
    @Test
    void theRefusalLineNamesThePod() {
        CapturingLogger log = new CapturingLogger();
        WorkloadApiInterceptor interceptor = new WorkloadApiInterceptor(
                (peer, process) -> CallerResolver.unidentified(),
                new VolumeLabel("vol", Path.of("/pods/uid/volumes/kubernetes.io~csi/v/mount"), "shop/web"),
                log);
        interceptor.interceptCall(new Call(), new Metadata(), (c, headers) -> {
            throw new AssertionError("a call without the security header reached the service");
        });
        assertTrue(
                log.lines
                        .get(0)
                        .contains("volume vol at /pods/uid/volumes/kubernetes.io~csi/v/mount "
                                + "(pod shop/web): refused FetchX509SVID"),
                log.lines.get(0));
    }
}
