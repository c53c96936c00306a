package dev.spiffecsi.dev.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What an unpublished volume may have left behind: its target path, and mounts in this mount namespace. */
public final class Leftovers {

    private static final Path MOUNT_INFO = Path.of("/proc/self/mountinfo");

    private Leftovers() {}

    /**
     * Everything left of a publication at {@code target}, and every mount at or below {@code node}; empty when
     * nothing is.
     */
    public static List<String> after(Path target, Path node) throws IOException {
        List<String> found = new ArrayList<>();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            found.add(target + " still exists");
        }
        mountsBelow(node).forEach(mount -> found.add("a mount remains at " + mount));
        return found;
    }

    /** The mount points at or below {@code directory}, from the kernel's mount table. */
    public static List<Path> mountsBelow(Path directory) throws IOException {
        Path root = directory.toRealPath();
        List<Path> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(MOUNT_INFO)) {
            // field 5 is the mount point, with space, tab, newline and backslash written as octal escapes
            Path mountPoint = Path.of(unescape(line.split(" ")[4]));
            if (mountPoint.startsWith(root)) {
                mounts.add(mountPoint);
            }
        }
        return mounts;
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
