package dev.spiffecsi.backend.symlinkdev;

import dev.spiffecsi.spi.BackendConfig;
import dev.spiffecsi.spi.BackendProvider;
import dev.spiffecsi.spi.EngineContext;
import dev.spiffecsi.spi.MapBackendConfig;
import dev.spiffecsi.spi.contract.BackendContractTest;
import dev.spiffecsi.spi.contract.ContractFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

class SymlinkDevBackendContractTest extends BackendContractTest {

    @Override
    protected BackendProvider provider() {
        return new SymlinkDevProvider();
    }

    @Override
    protected BackendConfig config(ContractFixture fixture) {
        return new MapBackendConfig("spiffe-csi.backends.symlink-dev", Map.of("host-socket-dir", ""));
    }

    @Override
    protected EngineContext context(ContractFixture fixture, Path workloadApiSocketDir) throws IOException {
        return fixture.context(workloadApiSocketDir, new NoMountSyscalls(), "symlink-dev");
    }

    /** A link that is not ours: it points somewhere else. */
    @Override
    protected void occupyWithForeignObject(Path target) throws IOException {
        Files.delete(target);
        Files.createSymbolicLink(target, Path.of("/tmp"));
    }

    @Override
    protected void removeForeignObject(Path target) throws IOException {
        Files.deleteIfExists(target);
    }
}
