package dev.spiffecsi.engine.volume;

import dev.spiffecsi.spi.LogSafe;
import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Bounds what a pod spec can put in a volume context. The keys under {@value PublishRequest#KUBELET_ATTRIBUTE_PREFIX}
 * are the kubelet's, but Kubernetes does not stop a pod from setting such a key in its own {@code volumeAttributes}
 * (it validates neither their names nor their sizes), so the context is untrusted as a whole: its total size is
 * checked before anything else reads it, only the keys the kubelet itself sends pass under the kubelet's prefix, and
 * the pod fields must fit the limits Kubernetes puts on the names they carry. Whatever passes is what the state record
 * keeps for the volume's life and reads back at every start, so a value refused here can never exhaust the heap later.
 */
final class VolumeContextPolicy {

    /** A DNS-1123 subdomain (pod and service account names): at most 253 characters. */
    private static final Pattern SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** A DNS-1123 label (namespaces): at most 63 characters. */
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    /**
     * API-server UIDs are UUIDs and static pods' are hashes of their manifest; the pattern is looser than both (test
     * rigs name pods {@code uid-1}) but keeps the UID a single plain path segment and selector value.
     */
    private static final Pattern UID = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_]{0,63}");

    static final String SERVICE_ACCOUNT_TOKENS = PublishRequest.KUBELET_ATTRIBUTE_PREFIX + "serviceAccount.tokens";

    private final int maxBytes;

    /** @param maxBytes the largest volume context accepted, keys and values counted in UTF-8 */
    VolumeContextPolicy(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** @throws VolumeException INVALID_ARGUMENT naming the first key (or the total) over its limit */
    void check(Map<String, String> context) {
        long total = 0;
        for (Map.Entry<String, String> entry : context.entrySet()) {
            total += utf8Length(entry.getKey(), maxBytes) + utf8Length(entry.getValue(), maxBytes);
            if (total > maxBytes) {
                throw VolumeException.invalid("volume_context holds more than " + maxBytes + " bytes (" + context.size()
                        + " keys); the limit is spiffe-csi.limits.volume-context-max-bytes");
            }
        }
        for (Map.Entry<String, String> entry : context.entrySet()) {
            if (entry.getKey().startsWith(PublishRequest.KUBELET_ATTRIBUTE_PREFIX)) {
                checkKubeletKey(entry.getKey(), entry.getValue());
            }
        }
    }

    private static void checkKubeletKey(String key, String value) {
        switch (key) {
            case PodInfo.POD_NAME, PodInfo.SERVICE_ACCOUNT -> require(key, value, SUBDOMAIN, 253, "a DNS subdomain");
            case PodInfo.POD_NAMESPACE -> require(key, value, LABEL, 63, "a DNS label");
            case PodInfo.POD_UID -> require(key, value, UID, 64, "a pod UID (letters, digits, dashes)");
            case RequestValidator.EPHEMERAL, SERVICE_ACCOUNT_TOKENS -> {
                // the ephemeral flag's value is checked by the validator; tokens are bounded by the total
            }
            default ->
                throw VolumeException.invalid("volume_context[" + LogSafe.value(key) + "] is not a key the "
                        + "kubelet sends; keys under " + PublishRequest.KUBELET_ATTRIBUTE_PREFIX + " are reserved for "
                        + "the kubelet (pod.name, pod.namespace, pod.uid, serviceAccount.name, ephemeral, "
                        + "serviceAccount.tokens)");
        }
    }

    private static void require(String key, String value, Pattern pattern, int maxLength, String what) {
        if (value.length() > maxLength || !pattern.matcher(value).matches()) {
            throw VolumeException.invalid("volume_context[\"" + key + "\"] must be " + what + " of at most " + maxLength
                    + " characters, got " + LogSafe.value(value, 80));
        }
    }

    /** The UTF-8 length of {@code s}, counting no further than just past {@code cap}. */
    private static long utf8Length(String s, int cap) {
        long length = 0;
        for (int i = 0; i < s.length() && length <= cap; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                length += 1;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isHighSurrogate(c)) {
                length += 4;
                i++;
            } else {
                length += 3;
            }
        }
        return length;
    }
}
