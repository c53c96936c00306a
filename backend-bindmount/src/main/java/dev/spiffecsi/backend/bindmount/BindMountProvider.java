package dev.spiffecsi.backend.bindmount;

import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendConfig;
import dev.spiffecsi.spi.BackendProvider;
import dev.spiffecsi.spi.EngineContext;
import java.time.Duration;

/** The production backend: a read-only kernel bind mount of the Workload API socket directory. */
public final class BindMountProvider implements BackendProvider {

    public static final String NAME = "bindmount";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "read-only, nosuid, nodev, noexec kernel bind mount of the Workload API socket directory";
    }

    @Override
    public Backend create(BackendConfig config, EngineContext context) {
        Duration busyTimeout = config.getDuration("unmount-busy-timeout");
        if (busyTimeout.isNegative()) {
            throw config.invalid("unmount-busy-timeout", "must not be negative");
        }
        return new BindMountBackend(
                context.workloadApiSocketDir(),
                context.kubeletPodsDir(),
                context.mounts(),
                busyTimeout,
                context.logger());
    }
}
