package dev.spiffecsi.backend.fuseproxy.peer;

import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which pod the kubelet placed a process in, read from the process's {@code /proc/PID/cgroup}. The kubelet names a
 * pod's cgroup after the pod's UID, one level below the node's {@code kubepods} cgroup or its QoS class:
 * <ul>
 *     <li>cgroupfs driver: {@code /kubepods/burstable/pod<uid>/<container>}, {@code /kubepods/pod<uid>/...} for
 *     guaranteed pods;</li>
 *     <li>systemd driver: {@code /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/
 *     cri-containerd-<id>.scope}, with the UID's dashes turned into underscores, and
 *     {@code kubepods-pod<uid>.slice} right below {@code kubepods.slice} for guaranteed pods.</li>
 * </ul>
 *
 * <p>The content is the process's to influence: a container that may write its own cgroup tree can create cgroups
 * below its own, named like another pod's (and, with a newline in a name, add what looks like a line). So only the
 * <em>first</em> pod-like component of each path counts, and it must sit where the kubelet puts pods (right below
 * {@code kubepods} or its QoS cgroup, or right after the {@code ..} a reader in another cgroup namespace sees): what
 * a container creates is always below its pod's cgroup, never in place of it. A UID is matched whole, as the
 * component, never as a prefix. A line that is not {@code ID:CONTROLLERS:/PATH}, or a path with empty, {@code .} or
 * inner {@code ..} components, makes the whole reading malformed.
 */
final class PodCgroups {

    /** cgroupfs: {@code pod<uid>}. */
    private static final Pattern CGROUPFS_POD = Pattern.compile("pod([0-9a-fA-F-]+)");

    private static final Set<String> CGROUPFS_PARENTS = Set.of("kubepods", "burstable", "besteffort");
    /** systemd: {@code <parent slice>-pod<uid with underscores>.slice}, the parent being kubepods or its QoS. */
    private static final Pattern SYSTEMD_POD =
            Pattern.compile("((?:[^/]+-)?kubepods(?:-burstable|-besteffort)?)-pod([0-9a-fA-F_]+)\\.slice");

    private static final Pattern LINE = Pattern.compile("[0-9]+:[^:\n]*:(/[^\n]*)");
    private static final String UP = "..";

    /** What a reading says. */
    sealed interface Placement {
        /** Every line that names a pod names this one (its UID, dashes as the kubelet sends it). */
        record InPod(String uid) implements Placement {}

        /** No line names a pod: a process of the node, not of a pod. */
        record NotInAPod() implements Placement {}

        /** Lines name different pods. */
        record Ambiguous(Set<String> uids) implements Placement {}

        /** Not what the kernel writes. */
        record Malformed(String why) implements Placement {}
    }

    private PodCgroups() {}

    /** Where {@code content}, a process's {@code /proc/PID/cgroup}, places the process. */
    static Placement placementOf(String content) {
        Set<String> uids = new TreeSet<>();
        int lineNumber = 0;
        for (String line : content.split("\n", -1)) {
            lineNumber++;
            if (line.isEmpty()) {
                continue;
            }
            Matcher matcher = LINE.matcher(line);
            if (!matcher.matches()) {
                return new Placement.Malformed("line " + lineNumber + " is not ID:CONTROLLERS:/PATH");
            }
            String path = matcher.group(1);
            Placement.Malformed malformed = checkComponents(path);
            if (malformed != null) {
                return new Placement.Malformed("line " + lineNumber + ": " + malformed.why());
            }
            podOf(path).ifPresent(uids::add);
        }
        if (uids.isEmpty()) {
            return new Placement.NotInAPod();
        }
        return uids.size() == 1 ? new Placement.InPod(uids.iterator().next()) : new Placement.Ambiguous(uids);
    }

    private static Placement.Malformed checkComponents(String path) {
        if (path.equals("/")) {
            return null;
        }
        boolean leading = true;
        for (String component : path.substring(1).split("/", -1)) {
            if (component.isEmpty() || component.equals(".")) {
                return new Placement.Malformed("the path has an empty or \".\" component");
            }
            if (component.equals(UP)) {
                if (!leading) {
                    return new Placement.Malformed("the path has \"..\" after a name");
                }
            } else {
                leading = false;
            }
        }
        return null;
    }

    /** The UID of the pod the first pod-like component of {@code path} names, if it sits where pods are. */
    private static Optional<String> podOf(String path) {
        if (path.equals("/")) {
            return Optional.empty();
        }
        String parent = null;
        for (String component : path.substring(1).split("/")) {
            Matcher cgroupfs = CGROUPFS_POD.matcher(component);
            if (cgroupfs.matches()) {
                boolean placed = parent == null || parent.equals(UP) || CGROUPFS_PARENTS.contains(parent);
                return placed ? Optional.of(cgroupfs.group(1)) : Optional.empty();
            }
            Matcher systemd = SYSTEMD_POD.matcher(component);
            if (systemd.matches()) {
                boolean placed = parent == null || parent.equals(UP) || parent.equals(systemd.group(1) + ".slice");
                return placed ? Optional.of(systemd.group(2).replace('_', '-')) : Optional.empty();
            }
            parent = component;
        }
        return Optional.empty();
    }
}
