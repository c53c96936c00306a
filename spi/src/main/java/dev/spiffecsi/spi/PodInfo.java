package dev.spiffecsi.spi;

import java.util.Map;
import java.util.Objects;

/**
 * The pod a volume belongs to, as the kubelet reports it when the CSIDriver object sets {@code podInfoOnMount}.
 * Fields are empty strings when the kubelet did not send them.
 *
 * @since 0.1
 */
public record PodInfo(String name, String namespace, String uid, String serviceAccount) {

    public static final String POD_NAME = "csi.storage.k8s.io/pod.name";
    public static final String POD_NAMESPACE = "csi.storage.k8s.io/pod.namespace";
    public static final String POD_UID = "csi.storage.k8s.io/pod.uid";
    public static final String SERVICE_ACCOUNT = "csi.storage.k8s.io/serviceAccount.name";

    public PodInfo {
        name = Objects.requireNonNullElse(name, "");
        namespace = Objects.requireNonNullElse(namespace, "");
        uid = Objects.requireNonNullElse(uid, "");
        serviceAccount = Objects.requireNonNullElse(serviceAccount, "");
    }

    /** Reads the pod attributes from a CSI volume context. */
    public static PodInfo fromVolumeContext(Map<String, String> volumeContext) {
        return new PodInfo(
                volumeContext.get(POD_NAME),
                volumeContext.get(POD_NAMESPACE),
                volumeContext.get(POD_UID),
                volumeContext.get(SERVICE_ACCOUNT));
    }

    /** {@code namespace/name}, for log lines. */
    public String displayName() {
        return namespace.isEmpty() && name.isEmpty() ? "<unknown pod>" : namespace + "/" + name;
    }
}
