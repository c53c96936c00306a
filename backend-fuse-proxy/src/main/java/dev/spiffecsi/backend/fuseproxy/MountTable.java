package dev.spiffecsi.backend.fuseproxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The mount tables of /proc/PID/mountinfo. Only needed where statx(2) cannot answer: for a FUSE mount whose server
 * is gone, every stat fails with ENOTCONN, and only the mount table tells whether it is one of this driver's, which
 * device it is, and which mount namespaces (containers) still see it.
 */
final class MountTable {

    private static final Path OWN = Path.of("/proc/self/mountinfo");

    /**
     * One line of a mount table.
     *
     * @param id         the mount's id
     * @param parentId   the id of the mount it is mounted on; a mount stacked on another at the same mount point has
     *                   that one as parent
     * @param device     the filesystem's device, {@code major:minor}: the same for every bind and propagated copy
     *                   of one FUSE mount, different for each new mount
     * @param mountPoint the mount point, as the namespace's root sees it
     * @param fsType     the filesystem type, such as {@code fuse.spiffe-csi}
     */
    record Entry(int id, int parentId, String device, String mountPoint, String fsType) {}

    private MountTable() {}

    /** This process's mount table. */
    static List<Entry> own() throws IOException {
        return read(OWN);
    }

    /** The mount table of a mountinfo file (this process's, or another's through /proc/PID/mountinfo). */
    static List<Entry> read(Path mountinfo) throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (String line : Files.readAllLines(mountinfo, StandardCharsets.UTF_8)) {
            // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": id, parent id, device, root, mount
            // point, options, optional fields, then after " - " the type
            int separator = line.indexOf(" - ");
            if (separator < 0) {
                continue;
            }
            String[] fields = line.substring(0, separator).split(" ");
            if (fields.length > 4) {
                entries.add(new Entry(
                        Integer.parseInt(fields[0]),
                        Integer.parseInt(fields[1]),
                        fields[2],
                        unescape(fields[4]),
                        line.substring(separator + 3).split(" ")[0]));
            }
        }
        return entries;
    }

    /** The filesystem type of the topmost mount at {@code mountPoint}; empty if nothing is mounted there. */
    static Optional<String> fsTypeAt(Path mountPoint) throws IOException {
        List<Entry> at = at(own(), mountPoint);
        return at.isEmpty() ? Optional.empty() : Optional.of(at.getLast().fsType());
    }

    /** The mounts at {@code mountPoint}, bottom first: later lines are mounted on top of earlier ones. */
    static List<Entry> at(List<Entry> table, Path mountPoint) {
        String wanted = mountPoint.toString();
        return table.stream().filter(entry -> entry.mountPoint().equals(wanted)).toList();
    }

    /** Whether another mount of {@code table} is stacked on {@code entry}, hiding it. */
    static boolean isCovered(List<Entry> table, Entry entry) {
        return table.stream()
                .anyMatch(other ->
                        other.parentId() == entry.id() && other.mountPoint().equals(entry.mountPoint()));
    }

    /** The kernel writes space, tab, newline and backslash in paths as octal escapes (\040). */
    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder text = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\'
                    && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                text.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                text.append(c);
            }
        }
        return text.toString();
    }
}
