package dev.spiffecsi.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "500ms      | 500",
                "0ms        | 0",
                "0s         | 0",
                "10s        | 10000",
                "5m         | 300000",
                "1h         | 3600000",
                "007s       | 7000",
                "'10 s'     | 10000",
                "'10\tms'   | 10",
                "'  2m  '   | 120000",
                "PT10S      | 10000",
                "pt0.5s     | 500",
                "P1DT2H     | 93600000",
                "PT1M       | 60000",
                "-PT5S      | -5000",
                "PT-5S      | -5000",
            })
    void accepts(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "   ",
                "10",
                "s",
                "ms",
                "-5s",
                "+5s",
                "1.5s",
                "10S",
                "10MS",
                "1d",
                "10sec",
                "10 secs",
                "10 seconds",
                "5 m s",
                "10s ms",
                "1h30m",
                "P1M",
                "PT",
                "0x10s",
                "١٠s"
            })
    void refuses(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(e.getMessage().startsWith("not a duration such as"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"99999999999999999999ms", "9223372036854775807h", "153722867280912931m"})
    void refusesWhatIsTooLongForADuration(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(e.getMessage().startsWith("duration too long"), e.getMessage());
    }

    @Test
    void theLongestOfEachUnitIsExact() {
        Map<String, Duration> longest = Map.of(
                Long.MAX_VALUE + "ms", Duration.ofMillis(Long.MAX_VALUE),
                Long.MAX_VALUE + "s", Duration.ofSeconds(Long.MAX_VALUE),
                Long.MAX_VALUE / 60 + "m", Duration.ofMinutes(Long.MAX_VALUE / 60),
                Long.MAX_VALUE / 3600 + "h", Duration.ofHours(Long.MAX_VALUE / 3600));
        longest.forEach((text, expected) -> assertEquals(expected, Durations.parse(text), text));
    }

    @Test
    void aRefusedValueIsQuotedSafelyInTheMessage() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Durations.parse("1x\nforged log line"));
        assertTrue(e.getMessage().endsWith("\"1x\\nforged log line\""), e.getMessage());
    }
}
