package dev.spiffecsi.dev.workload;

import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.workloadapi.X509Context;
import java.util.Comparator;

/**
 * How the example workload prints an X.509 context update:
 *
 * <pre>
 * Update:
 *   SVIDs:
 *     spiffe://example.org/workload
 *   Bundles:
 *     example.org (1 authorities)
 * </pre>
 *
 * SVIDs in the order the agent sent them (the first is the default), bundles sorted by trust domain.
 */
public final class X509ContextFormat {

    private X509ContextFormat() {}

    public static String format(X509Context context) {
        StringBuilder text = new StringBuilder("Update:\n  SVIDs:\n");
        for (X509Svid svid : context.getX509Svids()) {
            text.append("    ").append(svid.getSpiffeId()).append('\n');
        }
        text.append("  Bundles:\n");
        context.getX509BundleSet().getBundles().values().stream()
                .sorted(Comparator.comparing(bundle -> bundle.getTrustDomain().getName()))
                .forEach(bundle -> text.append("    ").append(describe(bundle)).append('\n'));
        return text.toString();
    }

    private static String describe(X509Bundle bundle) {
        return bundle.getTrustDomain().getName() + " ("
                + bundle.getX509Authorities().size() + " authorities)";
    }
}
