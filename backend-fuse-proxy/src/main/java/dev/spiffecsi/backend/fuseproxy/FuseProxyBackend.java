package dev.spiffecsi.backend.fuseproxy;

import static dev.spiffecsi.spi.BackendException.Failure.INTERNAL;
import static dev.spiffecsi.spi.BackendException.Failure.INVALID_REQUEST;
import static dev.spiffecsi.spi.BackendException.Failure.TARGET_OCCUPIED;

import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.files.FileOptions;
import dev.spiffecsi.backend.fuseproxy.files.PodFiles;
import dev.spiffecsi.backend.fuseproxy.fuse.FuseMount;
import dev.spiffecsi.backend.fuseproxy.fuse.FuseOptions;
import dev.spiffecsi.backend.fuseproxy.fuse.ServedFiles;
import dev.spiffecsi.backend.fuseproxy.peer.PeerProcess;
import dev.spiffecsi.backend.fuseproxy.server.VolumeServer;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import dev.spiffecsi.backend.fuseproxy.workload.CallerResolver;
import dev.spiffecsi.backend.fuseproxy.workload.WorkloadApiProxy;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.EngineContext;
import dev.spiffecsi.spi.Health;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.ResolvedTarget;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.VolumeCondition;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Each volume is a FUSE filesystem holding one socket, on which this process serves the Workload API itself and
 * answers with the identities the SPIRE agent issues on behalf of the caller (see the package documentation).
 *
 * <p>The volumes this process serves are kept in memory, target to {@link VolumeServer}. A mount of this driver's
 * filesystem whose server is gone ({@link TargetKind#ORPHANED_MOUNT}, what a previous driver process leaves) counts as
 * this backend's publication, not working: {@link #inspect} reports it BROKEN, so that the engine neither
 * prepares a directory over it nor forgets it, and a kubelet republish repairs it; {@link #condition} reports it abnormal; {@link #resume} and {@link #publish} serve a new mount on top
 * of it; {@link #unpublish} removes it.
 */
final class FuseProxyBackend implements Backend {

    /** Bound on the orphaned mounts one unpublish removes (one per driver restart that could not re-serve). */
    private static final int MAX_STACKED_MOUNTS = 16;

    private final FuseProxySettings settings;
    private final MountSyscalls mounts;
    private final Path podsDir;
    private final Clock clock;
    private final System.Logger log;
    private final FuseOptions fuseOptions;
    private final ProxyRuntime runtime;
    private final PeerProcess.Tracker processes;
    private final AdminSocketProbe adminSocket;
    private final Map<Path, VolumeServer> servers = new ConcurrentHashMap<>();
    /** Why the last attempt to re-serve a target failed, for its condition. */
    private final Map<Path, String> resumeFailures = new ConcurrentHashMap<>();
    /**
     * The devices of the orphaned mounts a served target was stacked on, while some container may still see one of
     * them; with the pod each target belongs to, for the messages.
     */
    private final Map<Path, Orphans> orphans = new ConcurrentHashMap<>();
    private final OrphanedMountHolders holders;
    /** The targets whose containers seeing a dead mount were logged, so that it is logged once. */
    private final Set<Path> reportedOrphans = ConcurrentHashMap.newKeySet();

    /** The dead mounts below a served target, and who they are for. */
    private record Orphans(Set<String> devices, VolumeLabel volume, String pod) {
    }

    FuseProxyBackend(FuseProxySettings settings, EngineContext context, ProxyRuntime runtime,
                     PeerProcess.Tracker processes) {
        this.clock = context.clock();
        this.processes = processes;
        this.settings = settings;
        this.mounts = context.mounts();
        this.log = context.logger();
        this.podsDir = context.kubeletPodsDir();
        this.fuseOptions = new FuseOptions(context.mounts(), FuseOptions.DEFAULT_SOURCE,
                settings.unmountBusyTimeout(), context.clock(), context.logger(), podsDir);
        this.runtime = runtime;
        this.adminSocket = new AdminSocketProbe(settings.adminSocket(), context.mounts(), context.clock());
        this.holders = new OrphanedMountHolders(Path.of("/proc"), context.clock());
    }

    @Override
    public TargetState inspect(Path target) {
        if (isServed(target)) {
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
        if (isServed(target)) {
            return;
        }
        VolumeServer stale = servers.remove(target);
        if (stale != null) {
            // unmounted or aborted behind this process's back, or left by an unpublish that failed to unmount
            closeStale(request.volumeId(), target, stale);
        }
        switch (TargetKind.of(target, mounts)) {
            case MISSING -> throw new BackendException(INVALID_REQUEST, "target " + target + " does not exist");
            case OCCUPIED -> throw new BackendException(TARGET_OCCUPIED, target
                    + " holds a mount or files this driver does not serve");
            case EMPTY_DIRECTORY, ORPHANED_MOUNT -> {
                rememberOrphans(request);
                VolumeServer server = serve(request, options);
                awaitFiles(server);
            }
        }
    }

    /**
     * Mounts and serves what the volume asks for; on an orphaned mount, the new one is stacked on top (see the
     * package documentation). The socket's callers are named as the identity setting says; the files' identity is
     * the pod's, by its selectors, whatever that setting: a file has no caller process.
     */
    private VolumeServer serve(PublishRequest request, VolumeOptions options) {
        Path target = request.targetPath();
        VolumeLabel volume = new VolumeLabel(request.volumeId(), target, podName(request));
        Optional<VolumeServer.SocketService> socket = Optional.empty();
        if (options.socket()) {
            CallerResolver callers = settings.identity().callersOf(request.pod());
            if (settings.requirePodCgroup()) {
                callers = PodBoundCallers.of(request.pod(), callers);
            }
            socket = Optional.of(new VolumeServer.SocketService(settings.socketName(), settings.socketMode(),
                    WorkloadApiProxy.forVolume(volume, callers, runtime.agent(), runtime.x509Bundles(),
                            runtime.jwtBundles(), log)));
        }
        Optional<Function<ServedFiles, PodFiles>> files = Optional.empty();
        if (options.files().isPresent()) {
            FileOptions fileOptions = options.files().get();
            Delegation.BySelectors pod = IdentityMode.podSelectors(request.pod(), "a volume with credential files");
            files = Optional.of(served -> PodFiles.start(volume, pod, fileOptions, runtime.agent(),
                    runtime.x509Bundles(), runtime.jwtBundles(), served, clock, log));
        }
        try {
            VolumeServer server = VolumeServer.start(volume, socket, files, runtime.transport(), fuseOptions,
                    processes, settings.limits(), runtime.node());
            servers.put(target, server);
            resumeFailures.remove(target);
            return server;
        } catch (MountSyscalls.ErrnoException e) {
            if (e.errno() == MountSyscalls.ELOOP || e.errno() == MountSyscalls.ENOTDIR) {
                throw refusedPath(target, e);
            }
            throw new BackendException(INTERNAL, "cannot serve the volume at " + target + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BackendException(INTERNAL, "cannot serve the volume at " + target + ": " + e.getMessage(), e);
        }
    }

    private BackendException refusedPath(Path target, IOException e) {
        return new BackendException(INVALID_REQUEST, target + " passes through a symlink or a non-directory below the "
                + "kubelet pods directory " + podsDir + ", or is not a directory itself; refusing to follow it", e);
    }

    /**
     * Holds the publish until the volume's files are all there, for at most files-publish-wait: the kubelet starts
     * the pod's containers after the publish, so that an application reading its certificate at startup finds it.
     * Past the wait the publish succeeds anyway; the condition tells what is missing.
     */
    private void awaitFiles(VolumeServer server) {
        Optional<PodFiles> files = server.files();
        if (files.isEmpty() || settings.filesPublishWait().isZero()) {
            return;
        }
        try {
            files.get().complete().get(settings.filesPublishWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException | CancellationException e) {
            // not a failure: the files come when the agent issues them, and the condition says so meanwhile
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void unpublish(UnpublishRequest request) {
        Path target = request.targetPath();
        VolumeServer server = servers.remove(target);
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                // still mounted, its listener stopped: isServed is false now, so a retry of the unpublish closes it,
                // and a republish unmounts it and serves anew
                servers.put(target, server);
                throw new BackendException(INTERNAL, "cannot unmount " + target + ": " + e.getMessage(), e);
            }
        }
        Optional<ResolvedTarget> resolved = mounts.resolveTarget(podsDir, target);
        if (resolved.isPresent()) {
            try (ResolvedTarget held = resolved.get()) {
                removeOrphanedMounts(held, server != null);
            }
        }
        resumeFailures.remove(target);
        orphans.remove(target);
        reportedOrphans.remove(target);
    }

    /** Looks and unmounts through the held parent, without following the final component. */
    private void removeOrphanedMounts(ResolvedTarget resolved, boolean unmountedOurs) {
        Path target = resolved.path();
        for (int removed = 0; ; removed++) {
            switch (TargetKind.of(resolved.entry(), target, mounts)) {
                case MISSING, EMPTY_DIRECTORY -> {
                    return;
                }
                case OCCUPIED -> throw new BackendException(TARGET_OCCUPIED, (unmountedOurs || removed > 0
                        ? "after unmounting this driver's filesystem, " : "") + target
                        + " holds a mount or files this driver does not serve; not touching it");
                case ORPHANED_MOUNT -> {
                    if (removed >= MAX_STACKED_MOUNTS) {
                        throw new BackendException(INTERNAL, target + " still has orphaned mounts after removing "
                                + removed);
                    }
                    try {
                        // nothing can use a mount without a server; detaching cannot fail for being busy
                        mounts.umount2(resolved.entry(), MountSyscalls.UMOUNT_NOFOLLOW | MountSyscalls.MNT_DETACH);
                    } catch (IOException e) {
                        throw new BackendException(INTERNAL, "cannot unmount the orphaned mount at " + target + ": "
                                + e.getMessage(), e);
                    }
                }
            }
        }
    }

    @Override
    public VolumeCondition condition(Path target) {
        VolumeServer served = servers.get(target);
        if (served != null && served.isAlive()) {
            return conditionOf(target, served);
        }
        return switch (TargetKind.of(target, mounts)) {
            case ORPHANED_MOUNT -> VolumeCondition.abnormal("the FUSE filesystem at " + target
                    + " lost its server (ENOTCONN: the driver process that served it is gone)"
                    + (resumeFailures.containsKey(target) ? " and could not be served again: "
                    + resumeFailures.get(target) : "; it is served again when the driver starts"));
            case MISSING, EMPTY_DIRECTORY -> VolumeCondition.abnormal("nothing is published at " + target);
            case OCCUPIED -> VolumeCondition.abnormal(target + " holds a mount or files this driver does not serve");
        };
    }

    /**
     * Notes the devices of this driver's dead mounts at the target before a new one is stacked on them: containers
     * that do not receive mount propagation keep seeing one of them (see {@link #stillOrphaned}).
     */
    private void rememberOrphans(PublishRequest request) {
        Path target = request.targetPath();
        try {
            Set<String> devices = MountTable.at(MountTable.own(), target).stream()
                    .filter(entry -> entry.fsType().equals(FuseMount.FS_TYPE))
                    .map(MountTable.Entry::device).collect(Collectors.toSet());
            if (!devices.isEmpty()) {
                orphans.put(target, new Orphans(devices, new VolumeLabel(request.volumeId(), target,
                        podName(request)), request.pod().displayName()));
            }
        } catch (IOException e) {
            log.log(Level.WARNING, "volume " + request.volumeId() + " at " + target + ": cannot read the mount table ("
                    + e.getMessage() + "); containers that still see the dead mount will not be reported");
        }
    }

    /**
     * Why the pod cannot use the volume although it is served again: some of its containers still see the mount of a
     * driver process that died (their volume mount receives no propagation), and get ENOTCONN. Empty once none does
     * (the pod was recreated); the dead mounts are forgotten then.
     */
    private Optional<String> stillOrphaned(Path target) {
        Orphans dead = orphans.get(target);
        if (dead == null) {
            return Optional.empty();
        }
        List<OrphanedMountHolders.Holder> seeing = dead.devices().stream()
                .flatMap(device -> holders.holders(allOrphanDevices()).getOrDefault(device, List.of()).stream())
                .toList();
        if (seeing.isEmpty()) {
            reportedOrphans.remove(target);
            if (orphans.remove(target, dead)) {
                log.log(Level.INFO, dead.volume() + ": no container of pod " + dead.pod() + " sees the dead FUSE "
                        + "mount of an earlier driver process any more");
            }
            return Optional.empty();
        }
        String problem = seeing.size() + " container(s) of pod " + dead.pod() + " still see the FUSE mount of a "
                + "driver process that is gone, and get ENOTCONN there (" + seeing + "): recreate the pod, or give its "
                + "volumeMount mountPropagation: HostToContainer so that it sees the volume served again";
        if (reportedOrphans.add(target)) {
            log.log(Level.WARNING, dead.volume() + ": " + problem);
        }
        return Optional.of(problem);
    }

    private Set<String> allOrphanDevices() {
        return orphans.values().stream().flatMap(dead -> dead.devices().stream()).collect(Collectors.toSet());
    }

    private VolumeCondition conditionOf(Path target, VolumeServer served) {
        String what = served.servesSocket() ? "serving the Workload API at " + target.resolve(settings.socketName())
                + (served.files().isPresent() ? " and credential files" : "") : "serving credential files at "
                + target;
        Optional<String> problem = stillOrphaned(target)
                .or(() -> adminSocket.whyUnreachable()
                        .map(unreachable -> "the SPIRE agent's admin socket is unreachable: " + unreachable))
                .or(() -> served.files().flatMap(PodFiles::problem));
        return problem.map(why -> VolumeCondition.abnormal(what + ", but " + why))
                .orElseGet(() -> VolumeCondition.healthy(what + " for the SPIRE agent at " + adminSocket.socket()));
    }

    /**
     * Ready while the directory of the agent's admin socket is there, even when the socket itself is missing or
     * refuses connections: a not-ready Probe makes the livenessprobe restart the driver, and a restart kills every
     * volume's filesystem (which the next process then has to stack a new mount on). An agent that is down is
     * reported per volume by {@link #condition} instead. A missing directory is a misconfiguration that no amount of
     * waiting repairs.
     */
    @Override
    public Health health() {
        Path directory = adminSocket.socket().getParent();
        if (directory != null && !Files.isDirectory(directory)) {
            return Health.notReady("the directory " + directory + " of the SPIRE agent's admin socket (Delegated "
                    + "Identity API) is missing; is admin-socket-path right, and the agent's socket directory mounted "
                    + "into the driver?");
        }
        String state = adminSocket.whyUnreachable()
                .map(problem -> "unreachable for now (" + problem + "); volumes report it in their condition until "
                        + "the agent is back")
                .orElse("accepting connections");
        return Health.ready("proxying the Workload API to the SPIRE agent's Delegated Identity API at "
                + adminSocket.socket() + ": its admin socket is " + state);
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
            Path target = request.targetPath();
            try {
                if (isServed(target)) {
                    continue;
                }
                switch (TargetKind.of(target, mounts)) {
                    case MISSING -> log.log(Level.INFO, "volume " + request.volumeId() + " at " + target
                            + ": the target is gone; nothing to serve again (the kubelet unpublishes it)");
                    case OCCUPIED -> log.log(Level.WARNING, "volume " + request.volumeId() + " at " + target
                            + ": not served again: the target holds a mount or files this driver does not serve");
                    case EMPTY_DIRECTORY, ORPHANED_MOUNT -> {
                        rememberOrphans(request);
                        serve(request, VolumeOptions.of(request));
                        log.log(Level.INFO, "volume " + request.volumeId() + " at " + target + ": serving the "
                                + "Workload API again after a driver restart");
                    }
                }
            } catch (RuntimeException e) {
                resumeFailures.put(target, String.valueOf(e.getMessage()));
                log.log(Level.ERROR, "volume " + request.volumeId() + " at " + target + ": cannot serve the "
                        + "Workload API again after a driver restart; its pod gets ENOTCONN until it is recreated: "
                        + e.getMessage(), e);
            }
        }
    }

    /**
     * Stops every volume's server and the shared threads, without unmounting (pods keep their volumes): the
     * filesystems die with the process, and the next driver process serves them again in {@link #resume}.
     */
    @Override
    public void close() {
        servers.values().forEach(VolumeServer::abandon);
        servers.clear();
        runtime.close();
    }

    private boolean isServed(Path target) {
        VolumeServer server = servers.get(target);
        return server != null && server.isAlive();
    }

    /**
     * Closes a server that no longer serves the Workload API before the target is served again. Should its
     * filesystem still be mounted and served (its listener stopped by an unpublish that then failed to unmount),
     * it is kept for the next unpublish or publish to retry: a new mount stacked on a live one would hide it.
     */
    private void closeStale(String volumeId, Path target, VolumeServer server) {
        try {
            server.close();
        } catch (IOException e) {
            if (server.isMounted()) {
                servers.put(target, server);
                throw new BackendException(INTERNAL, "the Workload API listener at " + target + " is stopped, and "
                        + "its filesystem cannot be unmounted to serve it again: " + e.getMessage(), e);
            }
            log.log(Level.WARNING, "volume " + volumeId + " at " + target + ": cannot unmount the filesystem whose "
                    + "server stopped: " + e.getMessage(), e);
        }
    }

    /** The pod a volume serves, for its log lines; empty when the kubelet sent no pod info. */
    private static String podName(PublishRequest request) {
        return request.pod().name().isEmpty() ? "" : request.pod().displayName();
    }
}
