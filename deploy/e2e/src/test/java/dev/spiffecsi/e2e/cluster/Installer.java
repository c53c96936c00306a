package dev.spiffecsi.e2e.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;

/**
 * How a backend's driver is put on the cluster and taken away again: today {@link #KUBECTL_APPLY} (the overlay's
 * rendered objects, as the README's {@code kubectl apply -k}). A second implementation would run the overlay checks
 * on another installation; the Helm releases have their own lifecycle checks instead ({@code HelmReleaseEndToEnd}),
 * which keeps the tier's wall time down.
 */
public interface Installer {

    /** Puts {@code overlay}'s objects (but its bare pods) on the cluster; the DaemonSet controller does the rest. */
    void install(Kubectl kubectl, RenderedOverlay overlay);

    /**
     * Takes the installation away and waits until its objects are gone: the DaemonSet's pods first (the registrar
     * unregisters the driver, the volumes it served are already unpublished), then the rest with the namespace,
     * whose deletion the namespace controller finishes.
     */
    void uninstall(Kubectl kubectl, RenderedOverlay overlay, Duration timeout);

    /** Server-side apply of the rendered objects; deletion in the order above. */
    Installer KUBECTL_APPLY = new Installer() {
        @Override
        public void install(Kubectl kubectl, RenderedOverlay overlay) {
            kubectl.apply(overlay.applied());
        }

        @Override
        public void uninstall(Kubectl kubectl, RenderedOverlay overlay, Duration timeout) {
            List<ObjectNode> daemonSets = overlay.ofKind("DaemonSet");
            // foreground: kubectl returns once the DaemonSet's pods are gone, not when the object is marked deleted
            kubectl.deleteInForeground(daemonSets, timeout);
            kubectl.deleteInForeground(
                    overlay.applied().stream()
                            .filter(o -> !daemonSets.contains(o))
                            .toList(),
                    timeout);
        }

        @Override
        public String toString() {
            return "kubectl apply";
        }
    };
}
