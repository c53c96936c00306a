package dev.spiffecsi.backend.bindmount;

import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.BackendConfig;
import dev.spiffecsi.spi.BackendProvider;
import dev.spiffecsi.spi.EngineContext;
import dev.spiffecsi.spi.MapBackendConfig;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.contract.BackendContractTest;
import dev.spiffecsi.spi.contract.ContractFixture;
import dev.spiffecsi.spi.contract.Privileges;
import java.nio.file.Path;
import java.util.Map;

/** The SPI contract, against real kernel mounts (root, private mount namespace). */
class BindMountBackendContractTest extends BackendContractTest {

    private final MountSyscalls mounts = new JnaMountSyscalls();

    @Override
    protected void assumeEnvironmentSupportsBackend() {
        Privileges.assumeCanMountPrivately();
    }

    @Override
    protected BackendProvider provider() {
        return new BindMountProvider();
    }

    @Override
    protected BackendConfig config(ContractFixture fixture) {
        return new MapBackendConfig("spiffe-csi.backends.bindmount", Map.of("unmount-busy-timeout", "1s"));
    }

    @Override
    protected EngineContext context(ContractFixture fixture, Path workloadApiSocketDir) throws Exception {
        return fixture.context(workloadApiSocketDir, mounts, BindMountProvider.NAME);
    }

    @Override
    protected void occupyWithForeignObject(Path target) throws Exception {
        mounts.mount("tmpfs", target, "tmpfs", 0, "size=64k");
    }

    @Override
    protected void removeForeignObject(Path target) throws Exception {
        mounts.umount2(target, 0);
    }
}
