package dev.spiffecsi.backend.fuseproxy;

/**
 * The items of a comma-separated attribute value, each without the white space around it, taken one at a time in a
 * single pass: a reader that stops at its limit has looked at no more of the value than the items it took, and an
 * item longer than it allows is never copied. (A pod sets the value and may set megabytes; splitting it all first
 * would cost time and memory in proportion to the whole value before any limit applies.)
 */
final class CommaList {

    private final String value;
    /** Where the next item starts; past the end once the last item was taken. */
    private int position;

    CommaList(String value) {
        this.value = value;
    }

    /** Whether an item is left; a value always has one, empty for an empty value. */
    boolean hasNext() {
        return position <= value.length();
    }

    /**
     * The next item, trimmed as {@link String#trim()} does.
     *
     * @param maxChars the longest item the caller accepts
     * @return the item, or null when it is longer than {@code maxChars}
     */
    String next(int maxChars) {
        int comma = value.indexOf(',', position);
        int end = comma < 0 ? value.length() : comma;
        int start = position;
        position = end + 1;
        while (start < end && value.charAt(start) <= ' ') {
            start++;
        }
        while (end > start && value.charAt(end - 1) <= ' ') {
            end--;
        }
        return end - start > maxChars ? null : value.substring(start, end);
    }
}
