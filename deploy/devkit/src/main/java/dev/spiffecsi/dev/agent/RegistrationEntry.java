package dev.spiffecsi.dev.agent;

import io.spiffe.exception.InvalidSpiffeIdException;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A registration entry, after SPIRE's: a workload described by all of {@code selectors} gets {@code spiffeId},
 * and is told to trust the bundles of the {@code federatesWith} trust domains as well as its own.
 *
 * <p>Written on the command line as {@code SELECTOR[+SELECTOR...]=SPIFFE-ID[;federates-with=DOMAIN[+DOMAIN...]]},
 * for example {@code unix:uid:1000=spiffe://example.org/backend} or
 * {@code k8s:ns:shop+k8s:sa:cart=spiffe://example.org/cart;federates-with=partner.org}. Selectors are
 * {@value #SUPPORTED}: {@code unix:uid} is what the agent attests itself; the {@code k8s} ones can only be
 * matched by a Delegated Identity API request that names them.
 *
 * <p>Selectors and trust domains are kept sorted, so entries print, compare and answer the same every time.
 */
public record RegistrationEntry(Set<WorkloadSelector> selectors, SpiffeId spiffeId, Set<TrustDomain> federatesWith) {

    private static final String SUPPORTED = "unix:uid:UID, k8s:pod-uid:UID, k8s:ns:NAMESPACE, k8s:sa:SERVICE-ACCOUNT";
    private static final Set<String> SUPPORTED_PREFIXES = Set.of("unix:uid:", "k8s:pod-uid:", "k8s:ns:", "k8s:sa:");
    private static final String FEDERATES_WITH = ";federates-with=";
    private static final String EXAMPLE = "unix:uid:1000=spiffe://example.org/backend or "
            + "k8s:ns:shop+k8s:sa:cart=spiffe://example.org/cart;federates-with=partner.org";

    public RegistrationEntry {
        Objects.requireNonNull(spiffeId, "spiffeId");
        if (selectors.isEmpty()) {
            throw new IllegalArgumentException(
                    "registration entry for " + spiffeId + " has no selectors; it " + "would match every workload");
        }
        selectors.forEach(RegistrationEntry::requireSupported);
        selectors = sorted(selectors, Comparator.naturalOrder());
        federatesWith = sorted(federatesWith, Comparator.comparing(TrustDomain::getName));
    }

    /** Callers running as {@code uid} get {@code spiffeId}. */
    public RegistrationEntry(int uid, SpiffeId spiffeId) {
        this(Set.of(WorkloadSelector.uid(uid)), spiffeId, Set.of());
    }

    /** Parses the command-line form described above. */
    public static RegistrationEntry parse(String text) {
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("registration entry \"" + text + "\" must look like " + EXAMPLE);
        }
        String granted = text.substring(eq + 1);
        int federation = granted.indexOf(FEDERATES_WITH);
        String spiffeId = federation < 0 ? granted : granted.substring(0, federation);
        try {
            Set<WorkloadSelector> selectors = Arrays.stream(
                            text.substring(0, eq).split("\\+"))
                    .map(WorkloadSelector::parse)
                    .collect(Collectors.toSet());
            Set<TrustDomain> federatesWith = federation < 0
                    ? Set.of()
                    : Arrays.stream(granted.substring(federation + FEDERATES_WITH.length())
                                    .split("\\+"))
                            .map(TrustDomain::parse)
                            .collect(Collectors.toSet());
            return new RegistrationEntry(selectors, SpiffeId.parse(spiffeId), federatesWith);
        } catch (InvalidSpiffeIdException | IllegalArgumentException e) {
            throw new IllegalArgumentException("registration entry \"" + text + "\": " + e.getMessage()
                    + " (an entry looks like " + EXAMPLE + ")");
        }
    }

    /** SPIRE's rule: the entry matches when every one of its selectors is among the workload's. */
    boolean matches(Set<WorkloadSelector> workload) {
        return workload.containsAll(selectors);
    }

    private static void requireSupported(WorkloadSelector selector) {
        String text = selector.toString();
        if (SUPPORTED_PREFIXES.stream()
                .noneMatch(prefix -> text.startsWith(prefix) && text.length() > prefix.length())) {
            throw new IllegalArgumentException("selector " + text + " is not supported; use " + SUPPORTED);
        }
        if (text.startsWith("unix:uid:")
                && !text.substring("unix:uid:".length()).matches("\\d{1,9}")) {
            throw new IllegalArgumentException("selector " + text + ": a uid is a non-negative number");
        }
    }

    private static <T> SortedSet<T> sorted(Collection<T> items, Comparator<T> order) {
        SortedSet<T> copy = new TreeSet<>(order);
        copy.addAll(items);
        return Collections.unmodifiableSortedSet(copy);
    }

    @Override
    public String toString() {
        String text =
                selectors.stream().map(WorkloadSelector::toString).collect(Collectors.joining("+")) + "=" + spiffeId;
        return federatesWith.isEmpty()
                ? text
                : text
                        + FEDERATES_WITH
                        + federatesWith.stream().map(TrustDomain::getName).collect(Collectors.joining("+"));
    }
}
