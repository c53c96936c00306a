package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.peer.PeerProcess;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendConfig;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.BackendProvider;
import dev.spiffecsi.spi.EngineContext;
import java.io.IOException;

/** The fuse-proxy backend: a FUSE filesystem per volume, and a Workload API proxy that keeps the caller's identity. */
public final class FuseProxyProvider implements BackendProvider {

    public static final String NAME = "fuse-proxy";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "a FUSE filesystem holding one socket, on which the driver serves the Workload API per caller through "
                + "the SPIRE agent's Delegated Identity API";
    }

    @Override
    public Backend create(BackendConfig config, EngineContext context) {
        return create(config, context, PeerProcess.Tracker.PIDFD);
    }

    /** With the callers' processes tracked by {@code processes} instead of pidfds, for tests. */
    static Backend create(BackendConfig config, EngineContext context, PeerProcess.Tracker processes) {
        FuseProxySettings settings = FuseProxySettings.from(config);
        try {
            return new FuseProxyBackend(settings, context, ProxyRuntime.start(settings, context.logger()), processes);
        } catch (IOException e) {
            throw new BackendException(
                    BackendException.Failure.INTERNAL, "cannot start the fuse-proxy backend: " + e.getMessage(), e);
        }
    }
}
