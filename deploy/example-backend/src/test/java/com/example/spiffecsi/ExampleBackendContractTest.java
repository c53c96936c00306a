package com.example.spiffecsi;

import dev.spiffecsi.engine.os.JnaMountSyscalls;
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

/** The example passes the contract every backend passes, as the README tells a third party to check. */
class ExampleBackendContractTest extends BackendContractTest {

    @Override
    protected BackendProvider provider() {
        return new ExampleProvider();
    }

    @Override
    protected BackendConfig config(ContractFixture fixture) {
        return new MapBackendConfig("spiffe-csi.backends." + ExampleProvider.NAME, Map.of());
    }

    /** The engine's own system calls: the backend only resolves targets with them, and never mounts. */
    @Override
    protected EngineContext context(ContractFixture fixture, Path workloadApiSocketDir) throws IOException {
        return fixture.context(workloadApiSocketDir, new JnaMountSyscalls(), ExampleProvider.NAME);
    }

    /** A file the pod (or anybody) put into the target directory. */
    @Override
    protected void occupyWithForeignObject(Path target) throws IOException {
        Files.writeString(target.resolve("data"), "not the example's");
    }

    @Override
    protected void removeForeignObject(Path target) throws IOException {
        Files.deleteIfExists(target.resolve("data"));
    }
}
