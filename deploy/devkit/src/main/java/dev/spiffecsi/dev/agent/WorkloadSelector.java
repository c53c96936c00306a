package dev.spiffecsi.dev.agent;

import java.util.Objects;

/**
 * One fact about a workload, as SPIRE writes it: {@code type:value}, for example {@code unix:uid:1000} (type
 * {@code unix}, value {@code uid:1000}) or {@code k8s:ns:default}. The type is the attestor's name and so never
 * holds a ':'; the value may.
 */
public record WorkloadSelector(String type, String value) implements Comparable<WorkloadSelector> {

    public WorkloadSelector {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if (type.isEmpty() || type.contains(":") || value.isEmpty()) {
            throw new IllegalArgumentException("a selector needs a type without ':' and a value, got type \"" + type
                    + "\" and value \"" + value + "\"");
        }
    }

    /** Parses {@code type:value}. */
    public static WorkloadSelector parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(
                    "selector \"" + text + "\" must look like type:value, e.g. " + "unix:uid:1000 or k8s:ns:default");
        }
        return new WorkloadSelector(text.substring(0, colon), text.substring(colon + 1));
    }

    /**
     * What the dev agent's only workload attestor finds out about a process: its effective uid, the one
     * SO_PEERCRED reports.
     */
    public static WorkloadSelector uid(int uid) {
        return new WorkloadSelector("unix", "uid:" + uid);
    }

    /** Sorted by their text, so that sets of selectors print the same every time. */
    @Override
    public int compareTo(WorkloadSelector other) {
        return toString().compareTo(other.toString());
    }

    @Override
    public String toString() {
        return type + ":" + value;
    }
}
