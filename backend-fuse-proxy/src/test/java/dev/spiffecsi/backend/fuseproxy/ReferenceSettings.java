package dev.spiffecsi.backend.fuseproxy;

import com.typesafe.config.ConfigFactory;
import dev.spiffecsi.spi.MapBackendConfig;
import java.util.HashMap;
import java.util.Map;

/** The backend's section as this module's reference.conf sets it, with a test's own values on top. */
final class ReferenceSettings {

    static final String SECTION = "spiffe-csi.backends.fuse-proxy";

    private ReferenceSettings() {}

    /** Every key of the section, dotted, with its default from reference.conf. */
    static Map<String, Object> defaults() {
        Map<String, Object> values = new HashMap<>();
        ConfigFactory.parseResources(ReferenceSettings.class.getClassLoader(), "reference.conf")
                .getConfig(SECTION)
                .entrySet()
                .forEach(entry -> values.put(entry.getKey(), entry.getValue().unwrapped()));
        return values;
    }

    /** The defaults, with {@code overrides} replacing some. */
    static MapBackendConfig with(Map<String, ?> overrides) {
        Map<String, Object> values = defaults();
        values.putAll(overrides);
        return new MapBackendConfig(SECTION, values);
    }
}
