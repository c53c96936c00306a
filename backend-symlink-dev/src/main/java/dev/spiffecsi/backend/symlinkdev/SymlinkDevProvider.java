package dev.spiffecsi.backend.symlinkdev;

import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendConfig;
import dev.spiffecsi.spi.BackendProvider;
import dev.spiffecsi.spi.EngineContext;
import java.lang.System.Logger.Level;
import java.nio.file.Path;

/**
 * The {@code symlink-dev} backend, for unprivileged development clusters (kind, minikube). This class only reads
 * and validates the configuration and wires the backend; what happens on disk is {@link SymlinkDevBackend}'s.
 */
public final class SymlinkDevProvider implements BackendProvider {

    static final String NAME = "symlink-dev";
    static final String HOST_SOCKET_DIR = "host-socket-dir";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "symbolic link to the agent socket directory; no privileges, no read-only guarantee (development only)";
    }

    @Override
    public Backend create(BackendConfig config, EngineContext context) {
        Path driverSocketDir = context.workloadApiSocketDir();
        Path hostSocketDir = hostSocketDir(config, driverSocketDir);
        // Said once at startup rather than per volume: it is a property of the deployment, not of a pod.
        context.logger()
                .log(
                        Level.WARNING,
                        "The " + NAME + " backend publishes volumes as symbolic links to "
                                + hostSocketDir
                                + ". The kernel does not keep them read-only: the pod's readOnly flag is the only "
                                + "protection. Use it on development clusters only.");
        return new SymlinkDevBackend(
                hostSocketDir, driverSocketDir, context.kubeletPodsDir(), context.mounts(), context.logger());
    }

    /**
     * The link text. The container runtime resolves the link on the host, so a driver running in a container must
     * be told the host's path of its socket directory; empty means the driver's own path is the host's.
     */
    private static Path hostSocketDir(BackendConfig config, Path driverSocketDir) {
        return config.getString(HOST_SOCKET_DIR).isEmpty() ? driverSocketDir : config.getAbsolutePath(HOST_SOCKET_DIR);
    }
}
