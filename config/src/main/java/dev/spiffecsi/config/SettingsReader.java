package dev.spiffecsi.config;

import com.typesafe.config.Config;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and validates the engine's settings, collecting every problem instead of stopping at the first. */
final class SettingsReader {

    /** CSI spec: domain name notation, at most 63 characters, alphanumeric at both ends. */
    private static final Pattern PLUGIN_NAME = Pattern.compile("[a-zA-Z0-9]([-a-zA-Z0-9.]{0,61}[a-zA-Z0-9])?");

    private static final Pattern BACKEND_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error");

    private final Config root;
    private final List<String> problems;

    private SettingsReader(Config root, List<String> problems) {
        this.root = root;
        this.problems = problems;
    }

    static DriverSettings read(Config root, Map<String, String> environment, List<String> problems) {
        return new SettingsReader(root, problems).read(environment);
    }

    private DriverSettings read(Map<String, String> environment) {
        String pluginName = string("plugin-name");
        if (pluginName != null && !PLUGIN_NAME.matcher(pluginName).matches()) {
            problem(
                    "plugin-name",
                    "\"" + pluginName + "\" is not a CSI plugin name (domain name notation, "
                            + "at most 63 characters, alphanumeric at both ends)");
        }
        String nodeIdEnv = string("node-id-env");
        String nodeId = string("node-id");
        if (nodeId != null && nodeId.isEmpty() && nodeIdEnv != null && !nodeIdEnv.isEmpty()) {
            nodeId = environment.getOrDefault(nodeIdEnv, "").trim();
        }
        String backend = string("backend");
        if (backend != null && !BACKEND_NAME.matcher(backend).matches()) {
            problem("backend", "\"" + backend + "\" is not a backend name (lower case, digits, dashes)");
        }
        String level = string("log.level");
        if (level != null && !LEVELS.contains(level.toLowerCase(Locale.ROOT))) {
            problem("log.level", "\"" + level + "\" is not one of " + LEVELS);
        }
        LogSettings.Format format = logFormat();
        Duration grace = duration("shutdown-grace-period");
        Boolean requireReadonly = bool("require-readonly-volume");
        return new DriverSettings(
                pluginName,
                nodeId,
                nodeIdEnv,
                absolutePath("csi-socket-path"),
                absolutePath("workload-api-socket-dir"),
                absolutePath("kubelet-pods-dir"),
                absolutePath("state-dir"),
                backend,
                Boolean.TRUE.equals(requireReadonly),
                grace,
                listenAddress("metrics.listen-address"),
                new LogSettings(level == null ? "info" : level.toLowerCase(Locale.ROOT), format),
                byteSize("limits.volume-context-max-bytes", 1024, 1024 * 1024));
    }

    /** A size in bytes (HOCON: {@code 16KiB}, {@code 16384}) within [{@code min}, {@code max}]. */
    private int byteSize(String key, long min, long max) {
        try {
            long value = root.getBytes(key);
            if (value < min || value > max) {
                problem(key, "must be between " + min + " and " + max + " bytes, got " + value);
                return (int) Math.max(min, Math.min(max, value));
            }
            return (int) value;
        } catch (com.typesafe.config.ConfigException e) {
            problem(key, describe(e));
            return (int) min;
        }
    }

    private LogSettings.Format logFormat() {
        String format = string("log.format");
        if (format == null) {
            return LogSettings.Format.TEXT;
        }
        return switch (format.toLowerCase(Locale.ROOT)) {
            case "text" -> LogSettings.Format.TEXT;
            case "json" -> LogSettings.Format.JSON;
            default -> {
                problem("log.format", "\"" + format + "\" is not text or json");
                yield LogSettings.Format.TEXT;
            }
        };
    }

    /** {@code host:port}, {@code :port} (all interfaces) or empty (disabled). */
    private Optional<InetSocketAddress> listenAddress(String key) {
        String raw = string(key);
        if (raw == null || raw.isEmpty()) {
            return Optional.empty();
        }
        int colon = raw.lastIndexOf(':');
        try {
            int port = Integer.parseInt(raw.substring(colon + 1));
            if (colon < 0 || port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            String host = raw.substring(0, colon).replace("[", "").replace("]", "");
            return Optional.of(host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port));
        } catch (NumberFormatException e) {
            problem(key, "must be host:port or :port, got \"" + raw + "\"");
            return Optional.empty();
        }
    }

    private Path absolutePath(String key) {
        String raw = string(key);
        if (raw == null) {
            return null;
        }
        if (raw.isEmpty() || raw.indexOf('\0') >= 0 || !raw.startsWith("/")) {
            problem(key, "must be an absolute path, got \"" + raw + "\"");
            return null;
        }
        return Path.of(raw).normalize();
    }

    private String string(String key) {
        try {
            return root.getString(key).trim();
        } catch (com.typesafe.config.ConfigException e) {
            problem(key, describe(e));
            return null;
        }
    }

    private Boolean bool(String key) {
        try {
            return root.getBoolean(key);
        } catch (com.typesafe.config.ConfigException e) {
            problem(key, describe(e));
            return null;
        }
    }

    private Duration duration(String key) {
        try {
            Duration value = root.getDuration(key);
            if (value.isNegative()) {
                problem(key, "must not be negative");
            }
            return value;
        } catch (com.typesafe.config.ConfigException e) {
            problem(key, describe(e));
            return null;
        }
    }

    private void problem(String key, String message) {
        problems.add(ConfigLoader.ROOT + "." + key + ": " + message);
    }

    private static String describe(com.typesafe.config.ConfigException e) {
        return e instanceof com.typesafe.config.ConfigException.Missing ? "is not set" : e.getMessage();
    }
}
