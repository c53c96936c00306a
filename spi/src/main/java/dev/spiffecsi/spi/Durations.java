package dev.spiffecsi.spi;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one text form of a duration outside HOCON (which parses its own): {@link MapBackendConfig} values and the
 * development commands' flags. After leading and trailing whitespace is trimmed, the text is either
 * <ul>
 *   <li>a non-negative whole number of ASCII digits, optional whitespace, and a unit: {@code ms}, {@code s},
 *       {@code m} (minutes) or {@code h}, in lower case: {@code 500ms}, {@code 10 s}, {@code 5m}, {@code 1h}; or</li>
 *   <li>ISO-8601 as {@link Duration#parse} reads it: {@code PT10S}, {@code P1DT2H}, {@code -PT5S}. This form alone
 *       can be negative; a caller that needs a non-negative duration checks.</li>
 * </ul>
 * Anything else is refused, and so is an amount too large for a {@link Duration}: there are no fractions
 * ({@code 1.5s}), no signs in the short form ({@code -5s}, {@code +5s}), no other units ({@code 1d}, {@code 10sec}),
 * no bare numbers ({@code 10}), no upper case units ({@code 10S}).
 */
public final class Durations {

    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    private Durations() {}

    /**
     * Parses {@code text} in the grammar above.
     *
     * @throws IllegalArgumentException if {@code text} is not in it, or names a duration too long for
     *                                  {@link Duration}
     */
    public static Duration parse(String text) {
        String trimmed = text.trim();
        Matcher m = SHORT.matcher(trimmed);
        try {
            if (m.matches()) {
                long amount = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    default -> Duration.ofHours(amount);
                };
            }
            return Duration.parse(trimmed);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("duration too long: " + LogSafe.value(text), e);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "not a duration such as 500ms, 10s, 5m, 1h or PT10S: " + LogSafe.value(text), e);
        }
    }
}
