package dev.spiffecsi.backend.fuseproxy.peer;

import dev.spiffecsi.spi.LogSafe;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Whether a connecting process belongs to one pod: the pod a volume was published for. The process's
 * {@code /proc/PID/cgroup} is read while its {@link PeerProcess} holds it (a pidfd), and the pidfd is checked again
 * after the read: if the process is still there, its pid was not reused meanwhile, so what was read is that
 * process's. Where pods sit in the cgroup tree: {@link PodCgroups}.
 *
 * <p>A pod's process cannot leave its pod's cgroup: the kubelet and the container runtime place it, and a container
 * that may write its own cgroup tree may only create cgroups below its own. So checking one call's caller is as good
 * as checking it at connect time.
 */
public final class PodMembership {

    /**
     * The most of {@code /proc/PID/cgroup} read: a few hundred bytes per hierarchy on a cgroup v1 node, one line on
     * a cgroup v2 one. Longer means a container nested its own cgroups absurdly deep; it is refused, not parsed.
     */
    public static final int MAX_CGROUP_BYTES = 16 * 1024;
    /** What a kubelet's pod UID looks like (a UUID, or a static pod's hash): anything else cannot match a cgroup. */
    private static final Pattern POD_UID = Pattern.compile("[0-9a-fA-F-]{1,64}");

    /** The outcome of a check. */
    public enum Verdict {
        /** The process belongs to the pod. */
        IN_POD,
        /** The process belongs to another pod, to none, or to several. */
        NOT_IN_POD,
        /** The process has exited (its pid may name another process by now). */
        EXITED,
        /** Its cgroups could not be read, or are not what the kernel writes. */
        UNREADABLE
    }

    /**
     * @param verdict the outcome
     * @param detail  what was seen, for the log: made safe ({@link LogSafe}), since the process may have chosen it
     */
    public record Check(Verdict verdict, String detail) {}

    /** Reads a process's {@code /proc/PID/cgroup}, at most {@code limit} bytes (one more tells it was longer). */
    @FunctionalInterface
    interface CgroupFile {
        byte[] read(int pid, int limit) throws IOException;
    }

    private final String podUid;
    private final CgroupFile cgroups;

    private PodMembership(String podUid, CgroupFile cgroups) {
        this.podUid = podUid;
        this.cgroups = cgroups;
    }

    /**
     * Checks callers against the pod {@code podUid}, reading this host's {@code /proc}.
     *
     * @throws IllegalArgumentException if {@code podUid} is not a kubelet's pod UID (no cgroup could ever match)
     */
    public static PodMembership of(String podUid) {
        return of(podUid, PodMembership::readProc);
    }

    static PodMembership of(String podUid, CgroupFile cgroups) {
        if (!isPodUid(podUid)) {
            throw new IllegalArgumentException(
                    "not a pod UID (hexadecimal digits and dashes, at most 64): " + LogSafe.value(podUid));
        }
        return new PodMembership(podUid, cgroups);
    }

    /** Whether {@code value} looks like a pod UID the kubelet would put in a cgroup name. */
    public static boolean isPodUid(String value) {
        return value != null && POD_UID.matcher(value).matches();
    }

    public String podUid() {
        return podUid;
    }

    /**
     * Whether the process {@code pid}, tracked by {@code process}, belongs to this pod. Never blocks on anything but
     * the read of one procfs file.
     */
    public Check check(int pid, PeerProcess process) {
        if (pid <= 0) {
            return new Check(Verdict.EXITED, "no pid");
        }
        byte[] content;
        try {
            content = cgroups.read(pid, MAX_CGROUP_BYTES);
        } catch (NoSuchFileException e) {
            return new Check(Verdict.EXITED, "/proc/" + pid + " is gone");
        } catch (IOException e) {
            return process.hasExited()
                    ? new Check(Verdict.EXITED, "exited while its cgroups were read")
                    : new Check(
                            Verdict.UNREADABLE,
                            "cannot read /proc/" + pid + "/cgroup: " + LogSafe.value(String.valueOf(e.getMessage())));
        }
        // after the read: still there, so the pid was not reused, and what was read is this process's
        if (process.hasExited()) {
            return new Check(Verdict.EXITED, "exited before its cgroups could be checked");
        }
        if (content.length > MAX_CGROUP_BYTES) {
            return new Check(
                    Verdict.UNREADABLE, "/proc/" + pid + "/cgroup is longer than " + MAX_CGROUP_BYTES + " bytes");
        }
        String text = new String(content, StandardCharsets.ISO_8859_1);
        return switch (PodCgroups.placementOf(text)) {
            case PodCgroups.Placement.InPod inPod
            when inPod.uid().equals(podUid) -> new Check(Verdict.IN_POD, "in pod " + podUid);
            case PodCgroups.Placement.InPod inPod ->
                new Check(
                        Verdict.NOT_IN_POD,
                        "in another pod, " + LogSafe.value(inPod.uid()) + " (cgroups " + LogSafe.value(text.strip())
                                + ")");
            case PodCgroups.Placement.NotInAPod notInAPod ->
                new Check(Verdict.NOT_IN_POD, "in no pod's cgroup " + "(cgroups " + LogSafe.value(text.strip()) + ")");
            case PodCgroups.Placement.Ambiguous ambiguous ->
                new Check(
                        Verdict.NOT_IN_POD,
                        "in the cgroups of " + "several pods "
                                + LogSafe.value(ambiguous.uids().toString()));
            case PodCgroups.Placement.Malformed malformed ->
                new Check(
                        Verdict.UNREADABLE,
                        "its /proc/" + pid + "/cgroup is malformed (" + malformed.why() + "): "
                                + LogSafe.value(text.strip()));
        };
    }

    private static byte[] readProc(int pid, int limit) throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("/proc", Integer.toString(pid), "cgroup"))) {
            return in.readNBytes(limit + 1);
        }
    }
}
