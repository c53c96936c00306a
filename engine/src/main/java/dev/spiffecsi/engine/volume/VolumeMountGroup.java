package dev.spiffecsi.engine.volume;

import dev.spiffecsi.spi.LogSafe;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Reads {@code volume_capability.mount.volume_mount_group}: the pod's {@code fsGroup}, which the kubelet sends
 * because the driver advertises the {@code VOLUME_MOUNT_GROUP} node capability. The kubelet formats it as a decimal
 * number; Kubernetes accepts an fsGroup from 0 to 2147483647, and so does this.
 */
final class VolumeMountGroup {

    static final String FIELD = "volume_capability.mount.volume_mount_group";
    /** At most ten digits, so that no value is parsed beyond what a gid may have. */
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,10}");

    private VolumeMountGroup() {}

    /**
     * The group; empty for an empty field (a pod without fsGroup).
     *
     * @throws VolumeException INVALID_ARGUMENT naming the field when it is not a decimal gid the pod could have
     */
    static OptionalInt parse(String value) {
        if (value.isEmpty()) {
            return OptionalInt.empty();
        }
        if (value.length() > 10 || !DECIMAL.matcher(value).matches() || Long.parseLong(value) > Integer.MAX_VALUE) {
            throw VolumeException.invalid(FIELD + " must be a decimal group id from 0 to " + Integer.MAX_VALUE
                    + " (the pod's fsGroup), got " + LogSafe.value(value));
        }
        return OptionalInt.of(Integer.parseInt(value));
    }
}
