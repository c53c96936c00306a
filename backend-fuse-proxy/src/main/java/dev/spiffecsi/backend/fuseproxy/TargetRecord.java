package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.server.VolumeServer;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What this backend knows of one target: the server of the volume published there, why serving it again after a
 * driver restart failed, and the dead mounts below it that containers may still see. One per target, kept by
 * {@link FuseProxyBackend} until the target is unpublished; each part is set and cleared on its own, as the kubelet's
 * calls and the conditions it polls come.
 */
final class TargetRecord {

    private volatile VolumeServer server;
    /** Why the last attempt to serve the target again after a driver restart failed, for its condition. */
    private volatile String resumeFailure;

    private final AtomicReference<DeadMounts> deadMounts = new AtomicReference<>();
    /** Whether the containers that still see a dead mount were logged, so that they are logged once. */
    private final AtomicBoolean deadMountsReported = new AtomicBoolean();

    /** The server that serves the target now: not one whose filesystem was unmounted or aborted. */
    Optional<VolumeServer> liveServer() {
        return Optional.ofNullable(server).filter(VolumeServer::isAlive);
    }

    boolean isServed() {
        return liveServer().isPresent();
    }

    /** The target is served by {@code started}, and so no longer failing to be. */
    void served(VolumeServer started) {
        server = started;
        resumeFailure = null;
    }

    /** Forgets the server, for its caller to close it; it is {@link #keep}-ed should closing fail. */
    Optional<VolumeServer> takeServer() {
        Optional<VolumeServer> taken = Optional.ofNullable(server);
        server = null;
        return taken;
    }

    /** Takes back a server that could not be closed, for the next unpublish or publish to retry. */
    void keep(VolumeServer unclosed) {
        server = unclosed;
    }

    Optional<String> resumeFailure() {
        return Optional.ofNullable(resumeFailure);
    }

    void resumeFailed(String why) {
        resumeFailure = why;
    }

    Optional<DeadMounts> deadMounts() {
        return Optional.ofNullable(deadMounts.get());
    }

    void stackedOn(DeadMounts dead) {
        deadMounts.set(dead);
    }

    /**
     * Forgets {@code dead} once no container sees it; a report of them is due again should new ones come.
     *
     * @return whether {@code dead} were still the target's dead mounts (not replaced meanwhile), for the one log line
     *         that says they are gone
     */
    boolean forgetDeadMounts(DeadMounts dead) {
        deadMountsReported.set(false);
        return deadMounts.compareAndSet(dead, null);
    }

    /** Whether this is the first report of containers seeing the dead mounts since they were last forgotten. */
    boolean firstDeadMountsReport() {
        return deadMountsReported.compareAndSet(false, true);
    }
}
