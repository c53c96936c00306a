package dev.spiffecsi.e2e.rig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A mount namespace's mount table ({@code /proc/PID/mountinfo}, see proc(5)): which mounts exist below a path,
 * and with which options. The tier reads the kubelet's (the node's) and, through {@code kubectl exec}, the
 * containers'.
 */
public record MountTable(List<Mount> mounts) {

    /**
     * One line of mountinfo.
     *
     * @param root       the directory of the file system the mount shows ({@code /run/spire/agent-sockets} for
     *                   a bind mount of it)
     * @param options    per-mount options ({@code ro,nosuid,nodev,noexec,relatime})
     * @param propagation the optional fields ({@code shared:6}, {@code master:7}; empty when private)
     */
    public record Mount(
            String line, String root, String mountPoint, String options, String propagation, String fsType) {

        static Mount parse(String line) {
            String[] fields = line.split(" ");
            int separator = Arrays.asList(fields).indexOf("-");
            return new Mount(
                    line,
                    unescape(fields[3]),
                    unescape(fields[4]),
                    fields[5],
                    String.join(" ", Arrays.asList(fields).subList(6, separator)),
                    fields[separator + 1]);
        }

        public List<String> optionList() {
            return List.of(options.split(","));
        }

        /** mountinfo escapes space, tab, newline and backslash as octal. */
        private static String unescape(String field) {
            return field.replace("\\040", " ")
                    .replace("\\011", "\t")
                    .replace("\\012", "\n")
                    .replace("\\134", "\\");
        }
    }

    public static MountTable read(Path mountinfo) {
        try {
            return parse(Files.readString(mountinfo));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + mountinfo, e);
        }
    }

    public static MountTable parse(String mountinfo) {
        return new MountTable(mountinfo
                .lines()
                .filter(line -> !line.isBlank())
                .map(Mount::parse)
                .toList());
    }

    /** The mounts at {@code path} or below it, in the order the table lists them (older first). */
    public List<Mount> atOrBelow(String path) {
        String prefix = path.endsWith("/") ? path : path + "/";
        return mounts.stream()
                .filter(m -> m.mountPoint().equals(path) || m.mountPoint().startsWith(prefix))
                .toList();
    }

    /** The mounts exactly at {@code path}, older first (a later one is stacked on an earlier one). */
    public List<Mount> at(String path) {
        return mounts.stream().filter(m -> m.mountPoint().equals(path)).toList();
    }

    public String describe(List<Mount> selection) {
        return selection.isEmpty()
                ? "(none)"
                : String.join("\n", selection.stream().map(Mount::line).toList());
    }
}
