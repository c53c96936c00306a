package dev.spiffecsi.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The engine's settings, read once at startup and validated; immutable.
 *
 * @param nodeId         the resolved node id: {@code node-id}, else the variable named by {@code node-id-env};
 *                       may be empty only for commands that do not serve
 * @param metricsAddress where to serve Prometheus metrics; empty when disabled
 * @param volumeContextMaxBytes the largest volume_context accepted, in UTF-8 bytes
 */
public record DriverSettings(
        String pluginName,
        String nodeId,
        String nodeIdEnv,
        Path csiSocketPath,
        Path workloadApiSocketDir,
        Path kubeletPodsDir,
        Path stateDir,
        String backend,
        boolean requireReadonlyVolume,
        Duration shutdownGracePeriod,
        Optional<InetSocketAddress> metricsAddress,
        LogSettings log,
        int volumeContextMaxBytes) {}
