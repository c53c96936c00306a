package dev.spiffecsi.backend.fuseproxy;

import static dev.spiffecsi.spi.BackendException.Failure.INTERNAL;
import static dev.spiffecsi.spi.BackendException.Failure.INVALID_REQUEST;
import static dev.spiffecsi.spi.BackendException.Failure.TARGET_OCCUPIED;

import dev.spiffecsi.backend.fuseproxy.fuse.FuseOptions;
import dev.spiffecsi.backend.fuseproxy.peer.PeerProcess;
import dev.spiffecsi.backend.fuseproxy.server.VolumeServer;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.EngineContext;
import dev.spiffecsi.spi.Health;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.VolumeCondition;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Each volume is a FUSE filesystem holding one socket, on which this process serves the Workload API itself and
 * answers with the identities the SPIRE agent issues on behalf of the caller (see the package documentation).
 *
 * <p>What this process knows of each target is kept in memory, a {@link TargetRecord} each. A mount of this driver's
 * filesystem whose server is gone ({@link TargetKind#ORPHANED_MOUNT}, what a previous driver process leaves) counts
 * as this backend's publication, not working: {@link #inspect} reports it BROKEN, so that the engine neither prepares
 * a directory over it nor forgets it, and a kubelet republish repairs it; {@link #condition} reports it abnormal;
 * {@link #resume} and {@link #publish} serve a new mount on top of it; {@link #unpublish} removes it. This class
 * decides by what is at the target; starting a volume ({@link VolumeLauncher}), telling its condition
 * ({@link VolumeConditions}, {@link OrphanReporter}) and removing orphaned mounts ({@link OrphanedMountRemover}) are
 * left to others.
 */
final class FuseProxyBackend implements Backend {

    private final MountSyscalls mounts;
    private final Path podsDir;
    private final System.Logger log;
    private final ProxyRuntime runtime;
    private final AdminSocketProbe adminSocket;
    private final VolumeLauncher launcher;
    private final OrphanReporter orphans;
    private final VolumeConditions conditions;
    private final TargetRecords targets = new TargetRecords();

    FuseProxyBackend(
            FuseProxySettings settings, EngineContext context, ProxyRuntime runtime, PeerProcess.Tracker processes) {
        this.mounts = context.mounts();
        this.podsDir = context.kubeletPodsDir();
        this.log = context.logger();
        this.runtime = runtime;
        this.adminSocket = new AdminSocketProbe(settings.adminSocket(), mounts, context.clock());
        FuseOptions fuseOptions = new FuseOptions(
                mounts, FuseOptions.DEFAULT_SOURCE, settings.unmountBusyTimeout(), context.clock(), log, podsDir);
        this.launcher = new VolumeLauncher(settings, runtime, fuseOptions, processes, podsDir, context.clock(), log);
        this.orphans = new OrphanReporter(Path.of("/proc"), context.clock(), log);
        this.conditions = new VolumeConditions(settings.socketName(), adminSocket, orphans, mounts);
    }

    @Override
    public TargetState inspect(Path target) {
        if (targets.isServed(target)) {
            return TargetState.PUBLISHED;
        }
        return switch (TargetKind.of(target, mounts)) {
            case MISSING, EMPTY_DIRECTORY -> TargetState.ABSENT;
            case ORPHANED_MOUNT -> TargetState.BROKEN;
            case OCCUPIED -> TargetState.FOREIGN;
        };
    }

    @Override
    public void publish(PublishRequest request) {
        Path target = request.targetPath();
        VolumeOptions options = VolumeOptions.of(request); // before anything is touched
        if (targets.isServed(target)) {
            return;
        }
        // unmounted or aborted behind this process's back, or left by an unpublish that failed to unmount
        targets.find(target)
                .flatMap(TargetRecord::takeServer)
                .ifPresent(stale -> closeStale(VolumeLabel.of(request), stale));
        switch (TargetKind.of(target, mounts)) {
            case MISSING -> throw new BackendException(INVALID_REQUEST, "target " + target + " does not exist");
            case OCCUPIED ->
                throw new BackendException(
                        TARGET_OCCUPIED, target + " holds a mount or files this driver does not serve");
            case EMPTY_DIRECTORY, ORPHANED_MOUNT -> launcher.awaitFiles(serve(request, options));
        }
    }

    /** Serves the volume, on top of the dead mounts at its target if any, noted first for the condition. */
    private VolumeServer serve(PublishRequest request, VolumeOptions options) {
        VolumeLabel volume = VolumeLabel.of(request);
        orphans.deadMountsAt(volume, request.pod().displayName())
                .ifPresent(dead -> targets.of(volume.target()).stackedOn(dead));
        VolumeServer server = launcher.start(request, options, volume);
        targets.of(volume.target()).served(server);
        return server;
    }

    @Override
    public void unpublish(UnpublishRequest request) {
        Path target = request.targetPath();
        Optional<VolumeServer> server = targets.find(target).flatMap(TargetRecord::takeServer);
        if (server.isPresent()) {
            try {
                server.get().close();
            } catch (IOException e) {
                // still mounted, its listener stopped: isServed is false now, so a retry of the unpublish closes it,
                // and a republish unmounts it and serves anew
                targets.of(target).keep(server.get());
                throw new BackendException(INTERNAL, "cannot unmount " + target + ": " + e.getMessage(), e);
            }
        }
        OrphanedMountRemover.removeAll(podsDir, target, server.isPresent(), mounts);
        targets.forget(target);
    }

    @Override
    public VolumeCondition condition(Path target) {
        return conditions.of(target, targets.find(target), targets::allDeadDevices);
    }

    /** See {@link AdminSocketProbe#health}: the agent's admin socket is all this backend needs to be ready. */
    @Override
    public Health health() {
        return adminSocket.health();
    }

    /**
     * Serves again, after a driver restart, each recorded volume whose filesystem died with the previous process:
     * a new mount is stacked on the orphaned one (or made on the empty target), so that pods whose volume mount
     * receives host mounts (HostToContainer or Bidirectional propagation) see the new server at the same path.
     * A failure is logged and reported by {@link #condition}; the other volumes go on.
     */
    @Override
    public void resume(List<PublishRequest> published) {
        for (PublishRequest request : published) {
            VolumeLabel volume = VolumeLabel.of(request);
            try {
                if (targets.isServed(volume.target())) {
                    continue;
                }
                switch (TargetKind.of(volume.target(), mounts)) {
                    case MISSING -> log.log(Level.INFO, volume + ": the target is gone, nothing to serve again");
                    case OCCUPIED ->
                        log.log(Level.WARNING, volume + ": not served again: the target is not this driver's");
                    case EMPTY_DIRECTORY, ORPHANED_MOUNT -> {
                        serve(request, VolumeOptions.of(request));
                        log.log(Level.INFO, volume + ": serving the Workload API again after a driver restart");
                    }
                }
            } catch (RuntimeException e) {
                targets.of(volume.target()).resumeFailed(String.valueOf(e.getMessage()));
                log.log(
                        Level.ERROR,
                        volume + ": not served again after a restart (its pod gets ENOTCONN until recreated)",
                        e);
            }
        }
    }

    /**
     * Stops every volume's server and the shared threads, without unmounting (pods keep their volumes): the
     * filesystems die with the process, and the next driver process serves them again in {@link #resume}.
     */
    @Override
    public void close() {
        targets.abandonAll();
        runtime.close();
    }

    /**
     * Closes a server that no longer serves the Workload API before the target is served again. One still mounted
     * (an unpublish stopped its listener, then failed to unmount) is kept for the next unpublish or publish to
     * retry: a new mount stacked on a live one would hide it.
     */
    private void closeStale(VolumeLabel volume, VolumeServer server) {
        try {
            server.close();
        } catch (IOException e) {
            if (server.isMounted()) {
                targets.of(volume.target()).keep(server);
                throw new BackendException(
                        INTERNAL,
                        "the Workload API listener at " + volume.target()
                                + " is stopped, and its filesystem cannot be unmounted to serve it again: "
                                + e.getMessage(),
                        e);
            }
            log.log(Level.WARNING, volume + ": cannot unmount the filesystem whose server stopped: " + e, e);
        }
    }
}
