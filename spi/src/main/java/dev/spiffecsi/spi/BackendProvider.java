package dev.spiffecsi.spi;

/**
 * Entry point of a volume backend, discovered with {@link java.util.ServiceLoader}.
 *
 * <p>A backend jar lists its implementation in
 * {@code META-INF/services/dev.spiffecsi.spi.BackendProvider}. The engine instantiates every provider on the
 * class path, selects the one whose {@link #name()} equals {@code spiffe-csi.backend}, and calls
 * {@link #create} once at startup with only that backend's configuration section.
 *
 * <p><b>Stability:</b> experimental until 1.0, like the whole package (see its documentation): the discovery, the
 * name and {@link #create} are what we mean to keep; a new method comes with a default.
 *
 * @since 0.1
 */
public interface BackendProvider {

    /** The name users select in configuration ({@code spiffe-csi.backend}); lower case, digits and dashes. */
    String name();

    /** One line shown by {@code spiffe-csi-driver backends}. */
    default String description() {
        return "";
    }

    /**
     * Creates the backend. Read and validate every setting here, eagerly, so that a bad configuration stops the
     * driver at startup instead of failing the first pod.
     *
     * @param config  this backend's own section, {@code spiffe-csi.backends.<name>}, already merged with the
     *                defaults from the backend jar's {@code reference.conf}
     * @param context facts and host services the engine provides
     * @throws BackendException with {@link BackendException.Failure#INVALID_CONFIG} for bad settings
     */
    Backend create(BackendConfig config, EngineContext context);
}
