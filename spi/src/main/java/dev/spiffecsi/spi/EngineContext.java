package dev.spiffecsi.spi;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * What the engine tells a backend at creation: node facts, the paths the driver was configured with, and host
 * services. Every path is absolute and normalized. Backends must not reach for process-wide state (environment,
 * system properties) for any of these.
 *
 * @param nodeId               the Kubernetes node this driver serves
 * @param pluginName           the CSI plugin name ({@code csi.spiffe.io} by default)
 * @param workloadApiSocketDir the directory holding the SPIFFE Workload API socket, as the driver sees it
 * @param kubeletPodsDir       the kubelet pods directory every target path is confined to
 * @param stateDir             a directory the backend may keep files in, below the engine's state directory;
 *                             it exists and survives driver restarts
 * @param clock                the clock to use for anything time-based (tests substitute it)
 * @param mounts               mount system calls on the driver's mount namespace
 * @param logger               a logger named after the backend
 * @since 0.1
 */
public record EngineContext(
        String nodeId,
        String pluginName,
        Path workloadApiSocketDir,
        Path kubeletPodsDir,
        Path stateDir,
        Clock clock,
        MountSyscalls mounts,
        System.Logger logger) {
    public EngineContext {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(pluginName, "pluginName");
        Objects.requireNonNull(workloadApiSocketDir, "workloadApiSocketDir");
        Objects.requireNonNull(kubeletPodsDir, "kubeletPodsDir");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(mounts, "mounts");
        Objects.requireNonNull(logger, "logger");
    }
}
