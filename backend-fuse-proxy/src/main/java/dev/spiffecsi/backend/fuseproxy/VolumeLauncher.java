package dev.spiffecsi.backend.fuseproxy;

import static dev.spiffecsi.spi.BackendException.Failure.INTERNAL;
import static dev.spiffecsi.spi.BackendException.Failure.INVALID_REQUEST;

import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.files.FileOptions;
import dev.spiffecsi.backend.fuseproxy.files.PodFiles;
import dev.spiffecsi.backend.fuseproxy.fuse.FuseOptions;
import dev.spiffecsi.backend.fuseproxy.fuse.ServedFiles;
import dev.spiffecsi.backend.fuseproxy.peer.PeerProcess;
import dev.spiffecsi.backend.fuseproxy.server.VolumeServer;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import dev.spiffecsi.backend.fuseproxy.workload.CallerResolver;
import dev.spiffecsi.backend.fuseproxy.workload.WorkloadApiProxy;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.PublishRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Mounts and serves what a volume asks for (see {@link VolumeOptions}): the Workload API socket, the credential files,
 * or both, on the settings and the threads all volumes share. Knows how to start a volume, not which targets are
 * served: that is {@link FuseProxyBackend}'s.
 */
final class VolumeLauncher {

    private final FuseProxySettings settings;
    private final ProxyRuntime runtime;
    private final FuseOptions fuseOptions;
    private final PeerProcess.Tracker processes;
    private final Path podsDir;
    private final Clock clock;
    private final System.Logger log;

    VolumeLauncher(
            FuseProxySettings settings,
            ProxyRuntime runtime,
            FuseOptions fuseOptions,
            PeerProcess.Tracker processes,
            Path podsDir,
            Clock clock,
            System.Logger log) {
        this.settings = settings;
        this.runtime = runtime;
        this.fuseOptions = fuseOptions;
        this.processes = processes;
        this.podsDir = podsDir;
        this.clock = clock;
        this.log = log;
    }

    /**
     * Mounts the volume's filesystem at its target and serves it; on an orphaned mount, the new one is stacked on top
     * (see the package documentation). The socket's callers are named as the identity setting says; the files'
     * identity is the pod's, by its selectors, whatever that setting: a file has no caller process.
     */
    VolumeServer start(PublishRequest request, VolumeOptions options, VolumeLabel volume) {
        Optional<VolumeServer.SocketService> socket = Optional.empty();
        if (options.socket()) {
            CallerResolver callers = settings.identity().callersOf(request.pod());
            if (settings.requirePodCgroup()) {
                callers = PodBoundCallers.of(request.pod(), callers);
            }
            socket = Optional.of(new VolumeServer.SocketService(
                    settings.socketName(),
                    settings.socketMode(),
                    WorkloadApiProxy.forVolume(
                            volume, callers, runtime.agent(), runtime.x509Bundles(), runtime.jwtBundles(), log)));
        }
        Optional<Function<ServedFiles, PodFiles>> files = Optional.empty();
        if (options.files().isPresent()) {
            FileOptions fileOptions = options.files().get();
            Delegation.BySelectors pod = IdentityMode.podSelectors(request.pod(), "a volume with credential files");
            files = Optional.of(served -> PodFiles.start(
                    volume,
                    pod,
                    fileOptions,
                    runtime.agent(),
                    runtime.x509Bundles(),
                    runtime.jwtBundles(),
                    served,
                    clock,
                    log));
        }
        Path target = volume.target();
        try {
            return VolumeServer.start(
                    volume,
                    socket,
                    files,
                    runtime.transport(),
                    fuseOptions,
                    processes,
                    settings.limits(),
                    runtime.node());
        } catch (MountSyscalls.ErrnoException e) {
            if (e.errno() == MountSyscalls.ELOOP || e.errno() == MountSyscalls.ENOTDIR) {
                throw new BackendException(
                        INVALID_REQUEST,
                        target + " passes through a symlink or a non-directory "
                                + "below the kubelet pods directory " + podsDir
                                + ", or is not a directory itself; refusing to "
                                + "follow it",
                        e);
            }
            throw cannotServe(target, e);
        } catch (IOException e) {
            throw cannotServe(target, e);
        }
    }

    private static BackendException cannotServe(Path target, IOException e) {
        return new BackendException(INTERNAL, "cannot serve the volume at " + target + ": " + e.getMessage(), e);
    }

    /**
     * Holds the publish until the volume's files are all there, for at most files-publish-wait: the kubelet starts
     * the pod's containers after the publish, so that an application reading its certificate at startup finds it.
     * Past the wait the publish succeeds anyway; the condition tells what is missing.
     */
    void awaitFiles(VolumeServer server) {
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
}
