package dev.spiffecsi.spi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A small read-only view of one backend's configuration section, {@code spiffe-csi.backends.<name>}.
 *
 * <p>Keys are relative to the section ({@code "socket-name"}, not {@code "spiffe-csi.backends.x.socket-name"}).
 * Every getter throws a {@link BackendException} with {@link BackendException.Failure#INVALID_CONFIG} whose
 * message names the full key when the key is missing or has the wrong type; ship a default for every key in
 * the backend jar's {@code reference.conf}.
 *
 * @since 0.1
 */
public interface BackendConfig {

    /** The full path of this section, e.g. {@code spiffe-csi.backends.bindmount}, for messages. */
    String path();

    /** The keys present in this section (nested keys are dotted). */
    Set<String> keys();

    boolean hasPath(String key);

    String getString(String key);

    boolean getBoolean(String key);

    int getInt(String key);

    /** A duration in HOCON form ({@code 500ms}, {@code 10s}). */
    Duration getDuration(String key);

    List<String> getStringList(String key);

    /** A filesystem path; it must be absolute. */
    default Path getAbsolutePath(String key) {
        String raw = getString(key);
        Path path = Path.of(raw);
        if (!path.isAbsolute()) {
            throw invalid(key, "must be an absolute path, got \"" + raw + "\"");
        }
        return path.normalize();
    }

    /** A failure that names the full key, for a backend's own validation. */
    default BackendException invalid(String key, String problem) {
        return new BackendException(BackendException.Failure.INVALID_CONFIG, path() + "." + key + ": " + problem);
    }
}
