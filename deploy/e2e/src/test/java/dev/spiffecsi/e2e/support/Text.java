package dev.spiffecsi.e2e.support;

import java.util.Arrays;
import java.util.List;

/** Keeps what failure messages quote short enough to read. */
public final class Text {

    private Text() {}

    /** The last {@code lines} lines of {@code text}, saying how many were left out. */
    public static String tail(String text, int lines) {
        List<String> all = Arrays.asList(text.split("\n", -1));
        if (all.size() <= lines) {
            return text;
        }
        return "[... " + (all.size() - lines) + " earlier lines left out]\n"
                + String.join("\n", all.subList(all.size() - lines, all.size()));
    }

    /** {@code text} with every line indented, for nesting one report in another. */
    public static String indent(String text) {
        return text.strip().indent(4).stripTrailing();
    }
}
