package dev.spiffecsi.backend.fuseproxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The filesystem types in /proc/self/mountinfo. Only needed where statx(2) cannot answer: for a FUSE mount whose
 * server is gone, every stat fails with ENOTCONN, and only the mount table tells whether it is one of this driver's.
 */
final class MountTable {

    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private MountTable() {
    }

    /** The filesystem type of the topmost mount at {@code mountPoint}; empty if nothing is mounted there. */
    static Optional<String> fsTypeAt(Path mountPoint) throws IOException {
        String wanted = mountPoint.toString();
        String found = null;
        for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8)) {
            // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": field 5 is the mount point, the
            // first field after the " - " separator the type; later lines are mounted on top of earlier ones
            int separator = line.indexOf(" - ");
            String[] fields = line.substring(0, separator).split(" ");
            if (fields.length > 4 && unescape(fields[4]).equals(wanted)) {
                found = line.substring(separator + 3).split(" ")[0];
            }
        }
        return Optional.ofNullable(found);
    }

    /** The kernel writes space, tab, newline and backslash in paths as octal escapes (\040). */
    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder text = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                text.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                text.append(c);
            }
        }
        return text.toString();
    }
}
