package dev.spiffecsi.driver;

import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.config.DriverSettings;
import dev.spiffecsi.config.LoadedConfig;
import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendProvider;
import dev.spiffecsi.spi.EngineContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Validates a backend's section the only way that is exact: by creating the backend (providers read every
 * setting eagerly in {@code create}) and closing it again. Creating a backend publishes nothing.
 */
final class BackendSettingsCheck {

    private BackendSettingsCheck() {}

    static void check(BackendProvider provider, LoadedConfig config) {
        DriverSettings settings = config.settings();
        Path scratch;
        try {
            scratch = Files.createTempDirectory("spiffe-csi-check");
        } catch (IOException e) {
            throw new ConfigException("check-config needs a writable temporary directory to try the backend's "
                    + "settings (java.io.tmpdir=" + System.getProperty("java.io.tmpdir") + "): " + e);
        }
        try {
            EngineContext context = new EngineContext(
                    settings.nodeId(),
                    settings.pluginName(),
                    settings.workloadApiSocketDir(),
                    settings.kubeletPodsDir(),
                    scratch,
                    Clock.systemUTC(),
                    new JnaMountSyscalls(),
                    System.getLogger("dev.spiffecsi.backend." + provider.name()));
            try (Backend ignored = provider.create(config.backendConfig(provider.name()), context)) {
                // created and validated
            }
        } finally {
            try {
                Files.deleteIfExists(scratch);
            } catch (IOException ignored) {
                // a leftover empty temp directory is harmless
            }
        }
    }
}
