package dev.spiffecsi.hostile;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the fuzzer's calls answered: codes per RPC, and every answer the tier does not accept, with examples. */
final class FuzzTally {

    private static final int EXAMPLES = 8;

    private final Map<CsiRpc, Map<Status.Code, Integer>> codes = new EnumMap<>(CsiRpc.class);
    private final List<String> disallowed = new ArrayList<>();
    private final List<String> wronglyAccepted = new ArrayList<>();
    private final Map<String, Integer> undecodable = new TreeMap<>();
    private int calls;
    private int disallowedCount;
    private int internalCount;
    private int stalls;
    private int wronglyAcceptedCount;

    /** A typed call's answer; {@code mustRefuse} says why OK is wrong for it, or is {@code null}. */
    synchronized void record(CsiRpc rpc, String label, String mustRefuse, CsiClient.Outcome outcome) {
        count(rpc, outcome);
        if (!rpc.allows(outcome.code())) {
            disallow(rpc, label, outcome);
        }
        if (mustRefuse != null && outcome.code() == Status.Code.OK) {
            wronglyAcceptedCount++;
            if (wronglyAccepted.size() < EXAMPLES) {
                wronglyAccepted.add(rpc.method() + " [" + label + "] answered OK to " + mustRefuse);
            }
        }
    }

    /**
     * A raw call's answer. Bytes that do not decode as the request are refused by gRPC itself before the driver
     * sees them; those answers are counted apart and accepted whatever their code, as long as the driver lives.
     */
    synchronized void recordRaw(CsiRpc rpc, String label, boolean decodes, CsiClient.Outcome outcome) {
        if (!decodes) {
            calls++;
            undecodable.merge(outcome.code().name(), 1, Integer::sum);
            return;
        }
        count(rpc, outcome);
        if (!rpc.allows(outcome.code())) {
            disallow(rpc, "raw: " + label, outcome);
        }
    }

    private void count(CsiRpc rpc, CsiClient.Outcome outcome) {
        calls++;
        codes.computeIfAbsent(rpc, r -> new EnumMap<>(Status.Code.class)).merge(outcome.code(), 1, Integer::sum);
    }

    private void disallow(CsiRpc rpc, String label, CsiClient.Outcome outcome) {
        disallowedCount++;
        if (outcome.code() == Status.Code.INTERNAL) {
            internalCount++;
        }
        if (outcome.code() == Status.Code.DEADLINE_EXCEEDED) {
            stalls++;
        }
        if (disallowed.size() < EXAMPLES) {
            // both ends of a long description: the errno is at its end, after the paths
            String description = outcome.description();
            disallowed.add(rpc.method() + " [" + label + "] -> " + outcome.code() + ": "
                    + (description.length() > 400
                            ? description.substring(0, 160) + " ... "
                                    + description.substring(description.length() - 200)
                            : description));
        }
    }

    synchronized int calls() {
        return calls;
    }

    synchronized int disallowedCount() {
        return disallowedCount;
    }

    synchronized int internalCount() {
        return internalCount;
    }

    synchronized int stalls() {
        return stalls;
    }

    synchronized int wronglyAcceptedCount() {
        return wronglyAcceptedCount;
    }

    synchronized List<String> disallowedExamples() {
        return List.copyOf(disallowed);
    }

    synchronized List<String> wronglyAcceptedExamples() {
        return List.copyOf(wronglyAccepted);
    }

    /** Per RPC (and for undecodable bytes), the codes answered and how often. */
    synchronized Map<String, String> codesByRpc() {
        Map<String, String> text = new java.util.LinkedHashMap<>();
        codes.forEach((rpc, byCode) -> text.put(rpc.method(), byCode.toString()));
        if (!undecodable.isEmpty()) {
            text.put("undecodable bytes (gRPC's own answer)", undecodable.toString());
        }
        return text;
    }
}
