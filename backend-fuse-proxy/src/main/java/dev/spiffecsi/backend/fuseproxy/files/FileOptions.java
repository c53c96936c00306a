package dev.spiffecsi.backend.fuseproxy.files;

import dev.spiffecsi.backend.fuseproxy.protocol.FileLayout;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What credential files a volume holds, from its volume attributes.
 *
 * @param layout           the file names
 * @param jwtAudiences     one JWT-SVID token file per audience, in the order asked
 * @param federatedBundles whether the bundles of the trust domains the pod's entry federates with are served too
 * @param keyMode          the permission bits of the files holding the private key or a JWT-SVID (read bits only)
 * @param keyGroup         the group owning those files ({@code key-group}, else the pod's fsGroup); empty for root's
 */
public record FileOptions(
        FileLayout layout, List<String> jwtAudiences, boolean federatedBundles, int keyMode, OptionalInt keyGroup) {

    /** Certificates and bundles: public, readable by every user of the pod. */
    public static final int PUBLIC_MODE = 0444;

    public FileOptions {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(keyGroup, "keyGroup");
        jwtAudiences = List.copyOf(jwtAudiences);
        if ((keyMode & ~0444) != 0) {
            throw new IllegalArgumentException(
                    "a key mode grants read permission only: " + Integer.toOctalString(keyMode));
        }
    }
}
