package dev.spiffecsi.engine.runtime;

import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.config.DriverSettings;
import dev.spiffecsi.config.LoadedConfig;
import dev.spiffecsi.engine.backend.BackendRegistry;
import dev.spiffecsi.engine.csi.CsiServices;
import dev.spiffecsi.engine.csi.CsiSocketServer;
import dev.spiffecsi.engine.metrics.CallRecorder;
import dev.spiffecsi.engine.metrics.DriverMetrics;
import dev.spiffecsi.engine.metrics.MetricsServer;
import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.engine.state.StateStore;
import dev.spiffecsi.engine.state.VolumeRecord;
import dev.spiffecsi.engine.volume.RequestValidator;
import dev.spiffecsi.engine.volume.TargetPathPolicy;
import dev.spiffecsi.engine.volume.VolumeEngine;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendProvider;
import dev.spiffecsi.spi.EngineContext;
import dev.spiffecsi.spi.MountSyscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running driver: the selected backend, the engine and the CSI server on its Unix socket. Closing it stops
 * serving gracefully; published volumes stay published, because pods keep running while the driver restarts.
 */
public final class Driver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Driver.class);

    private final CsiSocketServer server;
    private final MetricsServer metricsServer;
    private final Backend backend;
    private final VolumeEngine engine;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private Driver(CsiSocketServer server, MetricsServer metricsServer, Backend backend, VolumeEngine engine) {
        this.server = server;
        this.metricsServer = metricsServer;
        this.backend = backend;
        this.engine = engine;
    }

    /** Starts the driver; fails fast, with a message naming the setting, on any configuration problem. */
    public static Driver start(LoadedConfig config, BackendRegistry registry, String version) throws IOException {
        return start(config, registry, version, new JnaMountSyscalls(), Clock.systemUTC());
    }

    public static Driver start(
            LoadedConfig config, BackendRegistry registry, String version, MountSyscalls mounts, Clock clock)
            throws IOException {
        DriverSettings settings = config.settings();
        if (settings.nodeId() == null || settings.nodeId().isEmpty()) {
            throw new ConfigException("the node id is empty: pass -node-id, or set the environment variable "
                    + settings.nodeIdEnv() + " (named by -node-id-env), e.g. from the pod's spec.nodeName");
        }
        config.warnings().forEach(LOG::warn);
        BackendProvider provider = registry.select(settings.backend());
        Path stateDir = usableStateDirectory(settings);
        Path backendState = ownerOnlyDirectory(stateDir.resolve("backends").resolve(provider.name()));
        EngineContext context = new EngineContext(
                settings.nodeId(),
                settings.pluginName(),
                settings.workloadApiSocketDir(),
                settings.kubeletPodsDir(),
                backendState,
                clock,
                mounts,
                System.getLogger("dev.spiffecsi.backend." + provider.name()));
        Backend backend = provider.create(config.backendConfig(provider.name()), context);
        MetricsServer metricsServer = null;
        try {
            StateStore state = StateStore.open(stateDir, settings.kubeletPodsDir());
            backend.resume(state.forBackend(provider.name()).stream()
                    .map(VolumeRecord::toRequest)
                    .toList());
            RequestValidator validator = new RequestValidator(
                    new TargetPathPolicy(settings.kubeletPodsDir()),
                    settings.requireReadonlyVolume(),
                    settings.volumeContextMaxBytes());
            VolumeEngine engine = new VolumeEngine(validator, state, backend, provider.name(), clock);
            CallRecorder calls = CallRecorder.NONE;
            if (settings.metricsAddress().isPresent()) {
                DriverMetrics metrics = new DriverMetrics(
                        engine::publishedVolumes, () -> engine.health().ready());
                metricsServer = MetricsServer.start(settings.metricsAddress().get(), metrics);
                calls = metrics;
            }
            CsiSocketServer server = CsiSocketServer.start(
                    settings.csiSocketPath(),
                    CsiServices.create(settings.pluginName(), version, settings.nodeId(), engine, calls),
                    settings.shutdownGracePeriod());
            LOG.info(
                    "spiffe-csi-driver {} started: plugin={} node={} backend={} workload-api-socket-dir={} "
                            + "kubelet-pods-dir={} published-volumes={}",
                    version,
                    settings.pluginName(),
                    settings.nodeId(),
                    provider.name(),
                    settings.workloadApiSocketDir(),
                    settings.kubeletPodsDir(),
                    state.size());
            return new Driver(server, metricsServer, backend, engine);
        } catch (IOException | RuntimeException e) {
            if (metricsServer != null) {
                metricsServer.close();
            }
            backend.close();
            throw e;
        }
    }

    /**
     * The configured state directory, or, when it cannot be created (the Go driver's DaemonSet has a read-only
     * root file system and mounts nothing at /run/spiffe-csi), a directory beside the CSI socket: that directory
     * is the kubelet's plugin directory on the host, writable and kept across driver restarts, so spiffe-csi's
     * manifests work unchanged.
     */
    private static Path usableStateDirectory(DriverSettings settings) throws IOException {
        try {
            return ownerOnlyDirectory(settings.stateDir());
        } catch (IOException e) {
            Path fallback = settings.csiSocketPath().getParent().resolve("spiffe-csi-state");
            LOG.warn(
                    "cannot use the state directory {} ({}); keeping the records in {} beside the CSI socket "
                            + "instead (set state-dir to a writable directory that survives restarts)",
                    settings.stateDir(),
                    e.toString(),
                    fallback);
            return ownerOnlyDirectory(fallback);
        }
    }

    private static Path ownerOnlyDirectory(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(
                    directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return directory;
    }

    public Path socket() {
        return server.socket();
    }

    public VolumeEngine engine() {
        return engine;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitTermination() throws InterruptedException {
        stopped.await();
    }

    /**
     * Stops serving gracefully. Idempotent, because a signal handler and a shutdown hook may both call it; a
     * second caller waits until the first has finished.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            awaitStopped();
            return;
        }
        LOG.info("shutting down; published volumes stay published");
        try {
            server.close();
            if (metricsServer != null) {
                metricsServer.close();
            }
            backend.close();
        } finally {
            stopped.countDown();
        }
    }

    private void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The metrics port, when metrics are enabled. */
    public java.util.OptionalInt metricsPort() {
        return metricsServer == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(metricsServer.port());
    }
}
