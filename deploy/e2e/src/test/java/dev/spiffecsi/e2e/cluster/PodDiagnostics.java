package dev.spiffecsi.e2e.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spiffecsi.e2e.support.Exec;
import dev.spiffecsi.e2e.support.Text;
import java.util.ArrayList;
import java.util.List;

/**
 * What a failure message shows about a pod: {@code kubectl describe}, its events, and the recent log of each
 * container (and of the previous instance of a restarted one). Every check that waits on a pod passes these to its
 * failure, together with the driver pod's.
 */
public final class PodDiagnostics {

    private static final int LOG_LINES = 40;

    private final Kubectl kubectl;

    public PodDiagnostics(Kubectl kubectl) {
        this.kubectl = kubectl;
    }

    /** Everything about the pods, each under a heading; missing pods say so. */
    public String of(String namespace, List<String> pods) {
        List<String> sections = new ArrayList<>();
        for (String pod : pods) {
            sections.add(of(namespace, pod));
        }
        return String.join("\n", sections);
    }

    public String of(String namespace, String pod) {
        StringBuilder text = new StringBuilder("===== pod ")
                .append(namespace)
                .append('/')
                .append(pod)
                .append('\n');
        JsonNode object = kubectl.getOrMissing("pod", namespace, pod);
        if (object.isMissingNode()) {
            return text.append("(no such pod)\n").toString();
        }
        text.append(section("kubectl describe", output(List.of("describe", "pod", pod, "-n", namespace))));
        for (JsonNode status : object.path("status").path("containerStatuses")) {
            String container = status.path("name").asText();
            text.append(section(
                    "log of " + container,
                    Text.tail(
                            output(List.of("logs", pod, "-n", namespace, "-c", container, "--tail=" + LOG_LINES)),
                            LOG_LINES)));
            if (status.path("restartCount").asInt() > 0) {
                text.append(section(
                        "log of the previous " + container,
                        Text.tail(
                                output(List.of(
                                        "logs",
                                        pod,
                                        "-n",
                                        namespace,
                                        "-c",
                                        container,
                                        "--previous",
                                        "--tail=" + LOG_LINES)),
                                LOG_LINES)));
            }
        }
        return text.toString();
    }

    /** The events of one object (by uid: an earlier pod of the same name has its own). */
    public String events(String namespace, String uid) {
        return output(List.of(
                "get",
                "events",
                "-n",
                namespace,
                "--field-selector",
                "involvedObject.uid=" + uid,
                "-o",
                "custom-columns=TIME:.lastTimestamp,TYPE:.type,REASON:.reason,MESSAGE:.message"));
    }

    private String output(List<String> args) {
        Exec.Result result = kubectl.run(args);
        return result.ok() ? result.stdout() : result.describe();
    }

    private static String section(String title, String body) {
        return "--- " + title + ":\n" + Text.indent(body) + "\n";
    }
}
