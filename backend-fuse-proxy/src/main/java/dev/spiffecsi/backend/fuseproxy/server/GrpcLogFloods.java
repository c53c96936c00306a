package dev.spiffecsi.backend.fuseproxy.server;

import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Bounds the lines gRPC's own server code logs for what a client did wrong, each a warning with a stack trace: a
 * process in a pod can trigger them as fast as it can write frames (an oversized request, a stream beyond the
 * limit, a malformed frame), and would otherwise write the driver's log full. The oversized request's line is
 * dropped ({@link RefusedRequestLog} says it per volume instead); the protocol errors of a client (an
 * {@code Http2Exception}) pass at most once a minute over all volumes. Every other line of these loggers passes.
 */
final class GrpcLogFloods {

    private static final Duration INTERVAL = Duration.ofMinutes(1);
    /** Held: java.util.logging forgets what is set on a logger that nobody references. */
    private static final Logger SERVER_STREAM =
            Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");

    private static final Logger SERVER_HANDLER =
            Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler");
    private static final String DEFRAME_FAILED = "Exception processing message";
    private static final AtomicLong NEXT_PROTOCOL_ERROR = new AtomicLong(Long.MIN_VALUE);

    static {
        chain(SERVER_STREAM, line -> !DEFRAME_FAILED.equals(line.getMessage()));
        chain(SERVER_HANDLER, line -> !isClientProtocolError(line) || firstInInterval());
    }

    private GrpcLogFloods() {}

    /** Installs the filters; idempotent (class initialization does it once). */
    static void install() {
        // the static initializer ran
    }

    private static void chain(Logger logger, Filter filter) {
        Filter previous = logger.getFilter();
        logger.setFilter(line -> filter.isLoggable(line) && (previous == null || previous.isLoggable(line)));
    }

    private static boolean isClientProtocolError(LogRecord line) {
        for (Throwable cause = line.getThrown(); cause != null; cause = cause.getCause()) {
            if (cause instanceof Http2Exception) {
                return true;
            }
        }
        return false;
    }

    private static boolean firstInInterval() {
        long now = System.nanoTime();
        long next = NEXT_PROTOCOL_ERROR.get();
        return (next == Long.MIN_VALUE || now - next >= 0)
                && NEXT_PROTOCOL_ERROR.compareAndSet(next, now + INTERVAL.toNanos());
    }
}
