package dev.spiffecsi.e2e.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads a pod's status as the kubelet reports it. */
public final class Pods {

    private Pods() {}

    /** Empty when the pod is Running and every container ready, else what is missing. */
    public static Optional<String> whyNotRunningAndReady(JsonNode pod) {
        if (pod.isMissingNode()) {
            return Optional.of("the pod does not exist");
        }
        String phase = pod.path("status").path("phase").asText("(none)");
        if (!phase.equals("Running")) {
            return Optional.of("phase " + phase + waiting(pod));
        }
        List<String> notReady = new ArrayList<>();
        for (JsonNode status : pod.path("status").path("containerStatuses")) {
            if (!status.path("ready").asBoolean()) {
                notReady.add(status.path("name").asText());
            }
        }
        return notReady.isEmpty()
                ? Optional.empty()
                : Optional.of("Running, but not ready: " + notReady + waiting(pod));
    }

    /** The id containerd knows a container by ({@code containerd://ID}). */
    public static String containerId(JsonNode pod, String container) {
        return status(pod, container).path("containerID").asText();
    }

    public static int restartCount(JsonNode pod, String container) {
        return status(pod, container).path("restartCount").asInt();
    }

    public static String uid(JsonNode pod) {
        return pod.path("metadata").path("uid").asText();
    }

    public static String name(JsonNode pod) {
        return pod.path("metadata").path("name").asText();
    }

    private static JsonNode status(JsonNode pod, String container) {
        for (JsonNode status : pod.path("status").path("containerStatuses")) {
            if (status.path("name").asText().equals(container)) {
                return status;
            }
        }
        throw new IllegalStateException("pod " + name(pod) + " reports no container " + container);
    }

    /** Why containers wait, e.g. "; workload: ContainerCreating". */
    private static String waiting(JsonNode pod) {
        StringBuilder text = new StringBuilder();
        for (JsonNode status : pod.path("status").path("containerStatuses")) {
            JsonNode waiting = status.path("state").path("waiting");
            if (!waiting.isMissingNode()) {
                text.append("; ")
                        .append(status.path("name").asText())
                        .append(": ")
                        .append(waiting.path("reason").asText())
                        .append(' ')
                        .append(waiting.path("message").asText());
            }
        }
        return text.toString();
    }
}
