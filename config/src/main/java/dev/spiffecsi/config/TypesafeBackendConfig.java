package dev.spiffecsi.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import dev.spiffecsi.spi.BackendConfig;
import dev.spiffecsi.spi.BackendException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/** The SPI's read-only view of one backend section, over typesafe-config. */
final class TypesafeBackendConfig implements BackendConfig {

    private final String path;
    private final Config section;

    TypesafeBackendConfig(String path, Config section) {
        this.path = path;
        this.section = section;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public Set<String> keys() {
        Set<String> keys = new TreeSet<>();
        section.entrySet().forEach(e -> keys.add(e.getKey()));
        return keys;
    }

    @Override
    public boolean hasPath(String key) {
        return section.hasPath(key);
    }

    @Override
    public String getString(String key) {
        return read(key, () -> {
            if (section.getValue(key).valueType() == ConfigValueType.LIST
                    || section.getValue(key).valueType() == ConfigValueType.OBJECT) {
                throw invalid(key, "must be a string");
            }
            return section.getString(key);
        });
    }

    @Override
    public boolean getBoolean(String key) {
        return read(key, () -> section.getBoolean(key));
    }

    @Override
    public int getInt(String key) {
        return read(key, () -> section.getInt(key));
    }

    @Override
    public Duration getDuration(String key) {
        return read(key, () -> section.getDuration(key));
    }

    @Override
    public List<String> getStringList(String key) {
        return read(key, () -> List.copyOf(section.getStringList(key)));
    }

    private <T> T read(String key, Supplier<T> reader) {
        try {
            return reader.get();
        } catch (com.typesafe.config.ConfigException.Missing e) {
            throw invalid(key, "is not set");
        } catch (com.typesafe.config.ConfigException e) {
            throw new BackendException(
                    BackendException.Failure.INVALID_CONFIG, path + "." + key + ": " + e.getMessage(), e);
        }
    }
}
