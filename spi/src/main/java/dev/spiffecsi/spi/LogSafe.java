package dev.spiffecsi.spi;

/**
 * Untrusted values (anything a pod spec or a process in a pod chose: attribute names and values, paths, volume ids,
 * token claims) made safe to put in a log line or an error message: bounded in length, so that a megabyte value
 * costs a log line of a few hundred bytes, and with every control character escaped, so that a value holding a
 * newline cannot forge a log line of its own.
 *
 * @since 0.1
 */
public final class LogSafe {

    /** The characters of an untrusted value kept in a message; the rest is counted, not shown. */
    public static final int MAX_CHARS = 256;

    private LogSafe() {}

    /**
     * {@code value} in double quotes, cut to {@value #MAX_CHARS} characters (followed by how long it was), with
     * backslashes, quotes and control characters escaped ({@code \n}, {@code \r}, {@code \t}, {@code \xNN},
     * {@code \}{@code u} and four hex digits); {@code <none>} for null.
     */
    public static String value(String value) {
        return value(value, MAX_CHARS);
    }

    /** {@link #value(String)} with another bound on the characters shown. */
    public static String value(String value, int maxChars) {
        if (value == null) {
            return "<none>";
        }
        int shown = Math.min(value.length(), Math.max(0, maxChars));
        StringBuilder out = new StringBuilder(shown + 16).append('"');
        for (int i = 0; i < shown; i++) {
            escape(value.charAt(i), out);
        }
        out.append('"');
        if (shown < value.length()) {
            out.append("...(").append(value.length()).append(" characters)");
        }
        return out.toString();
    }

    /**
     * {@code value} as it is when it is plain (at most {@code maxChars} printable ASCII characters without spaces,
     * quotes or backslashes: a volume id, a kubelet path), else {@link #value(String, int)}: the ordinary line keeps
     * its ordinary look and costs no copy, and only a hostile value is quoted.
     */
    public static String token(String value, int maxChars) {
        if (value == null) {
            return "<none>";
        }
        if (value.isEmpty() || value.length() > maxChars) {
            return value(value, maxChars);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\') {
                return value(value, maxChars);
            }
        }
        return value;
    }

    /**
     * Free text that may hold untrusted parts (an error message), for the end of a log line: cut to
     * {@code maxChars} and with control characters escaped so that it stays on its line; quotes are left alone.
     */
    public static String text(String text, int maxChars) {
        if (text == null) {
            return "<none>";
        }
        int shown = Math.min(text.length(), Math.max(0, maxChars));
        StringBuilder out = new StringBuilder(shown + 16);
        for (int i = 0; i < shown; i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append(c);
            } else {
                escape(c, out);
            }
        }
        if (shown < text.length()) {
            out.append("...(").append(text.length()).append(" characters)");
        }
        return out.toString();
    }

    private static void escape(char c, StringBuilder out) {
        switch (c) {
            case '\\' -> out.append("\\\\");
            case '"' -> out.append("\\\"");
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> {
                if (c < 0x20 || c == 0x7f) {
                    out.append(String.format("\\x%02x", (int) c));
                } else if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                    // C1 controls and the Unicode line separators end a line in some log viewers
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
        }
    }
}
