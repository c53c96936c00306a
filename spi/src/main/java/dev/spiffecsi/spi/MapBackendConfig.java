package dev.spiffecsi.spi;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A {@link BackendConfig} over a plain map, for tests and for embedding a backend without HOCON. Values may be
 * strings, booleans, numbers, {@link Duration}s, or lists of strings; durations also parse from strings such as
 * {@code "500ms"} or {@code "10s"} ({@link Durations}).
 */
public final class MapBackendConfig implements BackendConfig {

    private final String path;
    private final Map<String, Object> values;

    public MapBackendConfig(String path, Map<String, ?> values) {
        this.path = path;
        this.values = Map.copyOf(new TreeMap<>(values));
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public Set<String> keys() {
        return values.keySet();
    }

    @Override
    public boolean hasPath(String key) {
        return values.containsKey(key);
    }

    @Override
    public String getString(String key) {
        return String.valueOf(require(key));
    }

    @Override
    public boolean getBoolean(String key) {
        Object value = require(key);
        if (value instanceof Boolean b) {
            return b;
        }
        return switch (String.valueOf(value)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw invalid(key, "must be a boolean, got \"" + value + "\"");
        };
    }

    @Override
    public int getInt(String key) {
        Object value = require(key);
        if (value instanceof Number n) {
            return n.intValue();
        }
        try {
            return Integer.parseInt(String.valueOf(value).trim());
        } catch (NumberFormatException e) {
            throw invalid(key, "must be an integer, got \"" + value + "\"");
        }
    }

    @Override
    public Duration getDuration(String key) {
        Object value = require(key);
        if (value instanceof Duration d) {
            return d;
        }
        try {
            return Durations.parse(String.valueOf(value));
        } catch (IllegalArgumentException e) {
            throw invalid(key, "must be a duration such as 500ms or 10s, got \"" + value + "\"");
        }
    }

    @Override
    public List<String> getStringList(String key) {
        Object value = require(key);
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).toList();
        }
        throw invalid(key, "must be a list of strings, got \"" + value + "\"");
    }

    private Object require(String key) {
        Object value = values.get(key);
        if (value == null) {
            throw invalid(key, "is not set");
        }
        return value;
    }
}
