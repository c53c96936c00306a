package dev.spiffecsi.backend.fuseproxy.fuse;

import dev.spiffecsi.backend.fuseproxy.fuse.wire.InHeader;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.Opcode;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The body of a mount's serving thread: reads requests, has the {@link Dispatcher} answer them and writes the
 * replies, one at a time, until the connection ends (unmount, abort, or stop).
 *
 * <p>A failing request never ends the loop: it is answered EIO and logged, at WARNING the first time for its
 * opcode and at DEBUG after that, so a caller repeating it cannot flood the log. Only a failing device ends the
 * loop. Either way the loop closes the connection when it ends, which aborts a filesystem still mounted: callers
 * then get ENOTCONN instead of waiting for ever on a server that is gone.
 */
final class ServingLoop implements Runnable {

    private final Connection connection;
    private final Dispatcher dispatcher;
    private final Path target;
    private final System.Logger log;
    private final Reply reply = new Reply();
    private final Set<Integer> reportedOpcodes = new HashSet<>();

    ServingLoop(Connection connection, Dispatcher dispatcher, Path target, System.Logger log) {
        this.connection = connection;
        this.dispatcher = dispatcher;
        this.target = target;
        this.log = log;
    }

    @Override
    public void run() {
        try {
            ByteBuffer message;
            while ((message = connection.receive(-1)) != null) {
                serve(message);
            }
        } catch (IOException | RuntimeException e) {
            log.log(
                    Level.ERROR,
                    "the FUSE server of " + target + " failed; the mount is aborted and answers "
                            + "ENOTCONN until it is unmounted",
                    e);
        } finally {
            connection.close();
        }
    }

    private void serve(ByteBuffer message) {
        InHeader header = InHeader.peek(message);
        ByteBuffer answer;
        boolean secret = false;
        try {
            FuseRequest request = FuseRequest.decode(header, message);
            ByteBuffer out = reply.begin(dispatcher.payloadSize(request));
            secret = dispatcher.carriesSecret(request);
            answer = dispatcher.handle(request, out) ? reply.success(header.unique()) : null;
        } catch (FuseError e) {
            answer = reply.error(header.unique(), e.errno());
        } catch (RuntimeException e) {
            report(header, "failed and was answered EIO", e);
            answer = reply.error(header.unique(), Errno.EIO);
        }
        if (answer != null) {
            try {
                connection.send(answer);
            } catch (IOException e) {
                report(header, "could not be answered", e);
            }
        }
        if (secret) {
            reply.wipe();
        }
    }

    private void report(InHeader header, String what, Exception e) {
        boolean first = reportedOpcodes.add(header.opcode());
        log.log(
                first ? Level.WARNING : Level.DEBUG,
                "FUSE " + Opcode.name(header.opcode()) + " on " + target + " " + what
                        + (first ? " (later failures of this operation are logged at DEBUG)" : ""),
                e);
    }
}
