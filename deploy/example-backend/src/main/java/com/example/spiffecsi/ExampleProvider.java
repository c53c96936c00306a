package com.example.spiffecsi;

import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendConfig;
import dev.spiffecsi.spi.BackendProvider;
import dev.spiffecsi.spi.EngineContext;

/**
 * A third-party backend in two classes: this provider, which the driver finds through
 * {@code META-INF/services/dev.spiffecsi.spi.BackendProvider}, and {@link ExampleBackend}, which publishes each
 * volume as a symbolic link to the agent's socket directory. Drop the jar into the distribution's {@code plugins/}
 * and start the driver with {@code --backend example-link}.
 */
public final class ExampleProvider implements BackendProvider {

    static final String NAME = "example-link";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "the README's example: a symbolic link to the agent socket directory (no privileges, not read-only)";
    }

    /**
     * Reads every setting here, so that a bad one stops the driver at startup. This backend has none: the link's
     * text is the socket directory as the driver sees it, so it works where the driver sees the agent's directory
     * at the node's own path (symlink-dev's {@code host-socket-dir} shows how to configure another).
     */
    @Override
    public Backend create(BackendConfig config, EngineContext context) {
        return new ExampleBackend(context.workloadApiSocketDir(), context.kubeletPodsDir(), context.mounts());
    }
}
