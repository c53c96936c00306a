package dev.spiffecsi.backend.fuseproxy;

/**
 * An untrusted value as a log line or an error message may quote it: at most {@value #MAX_CHARS} characters, control
 * characters escaped, so that a pod can neither flood the log nor forge a line of it.
 *
 * <p>A package-private copy of {@code dev.spiffecsi.spi.LogSafe#value}, which is being added to {@code spi}; use
 * that one once it is there and delete this copy.
 */
final class LogSafe {

    static final int MAX_CHARS = 256;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LogSafe() {
    }

    /**
     * {@code value} in double quotes, truncated to {@value #MAX_CHARS} characters (then followed by how long it
     * was), with {@code \n}, {@code \r}, {@code \t}, the quote and the backslash escaped, every other control
     * character as {@code \xNN} and the two Unicode line separators as Java escapes.
     */
    static String value(String value) {
        if (value == null) {
            return "null";
        }
        int shown = Math.min(value.length(), MAX_CHARS);
        StringBuilder out = new StringBuilder(shown + 16).append('"');
        for (int i = 0; i < shown; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || c >= 0x7f && c <= 0x9f) {
                        out.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else if (c == '\u2028' || c == '\u2029') {
                        out.append(c == '\u2028' ? "\\u2028" : "\\u2029"); // line separators to some readers
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
        if (value.length() > shown) {
            out.append("... (").append(value.length()).append(" characters)");
        }
        return out.toString();
    }
}
