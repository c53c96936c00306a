package dev.spiffecsi.backend.fuseproxy.delegated;

import java.util.Locale;

/**
 * Trust domains as the Workload API keys its bundle maps: by trust domain SPIFFE ID, {@code spiffe://example.org}.
 * The Delegated Identity API names a trust domain both ways: bare in an SVID's id ({@code example.org}), as an ID
 * in bundle keys and in {@code federates_with}; everything is compared in the ID form.
 */
public final class TrustDomainIds {

    private static final String SCHEME = "spiffe://";

    private TrustDomainIds() {}

    /** {@code example.org} or {@code spiffe://example.org} as {@code spiffe://example.org}. */
    public static String of(String nameOrId) {
        String name = nameOrId.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
                ? nameOrId.substring(SCHEME.length())
                : nameOrId;
        return SCHEME + name.toLowerCase(Locale.ROOT);
    }

    /** The trust domain ID of a SPIFFE ID such as {@code spiffe://example.org/ns/default}; null if it is not one. */
    public static String ofSpiffeId(String spiffeId) {
        if (spiffeId == null || !spiffeId.startsWith(SCHEME)) {
            return null;
        }
        int slash = spiffeId.indexOf('/', SCHEME.length());
        String name = slash < 0 ? spiffeId.substring(SCHEME.length()) : spiffeId.substring(SCHEME.length(), slash);
        return name.isEmpty() ? null : SCHEME + name;
    }
}
