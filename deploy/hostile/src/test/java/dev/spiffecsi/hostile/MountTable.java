package dev.spiffecsi.hostile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The mount points of this mount namespace, from the kernel's table ({@code /proc/self/mountinfo}), in its order. */
final class MountTable {

    private static final Path MOUNT_INFO = Path.of("/proc/self/mountinfo");

    private MountTable() {}

    static List<String> mountPoints() {
        try {
            List<String> points = new ArrayList<>();
            for (String line : Files.readAllLines(MOUNT_INFO)) {
                // field 5 is the mount point, with space, tab, newline and backslash as octal escapes
                points.add(unescape(line.split(" ")[4]));
            }
            return points;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + MOUNT_INFO, e);
        }
    }

    /** The mount points at or below {@code directory} (compared as paths: {@code /a/bc} is not below {@code /a/b}). */
    static List<String> mountPointsBelow(Path directory) {
        return mountPoints().stream()
                .filter(point -> isAtOrBelow(point, directory))
                .toList();
    }

    static boolean isAtOrBelow(String point, Path directory) {
        String prefix = directory.toString();
        return point.equals(prefix) || point.startsWith(prefix.endsWith("/") ? prefix : prefix + "/");
    }

    private static String unescape(String field) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                text.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                text.append(c);
            }
        }
        return text.toString();
    }
}
