package dev.spiffecsi.dev.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.spiffecsi.config.ConfigException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The duration flags: the grammar is {@link dev.spiffecsi.spi.Durations}'s (tested there), negatives refused. */
class FlagValuesTest {

    private static Duration ttl(String... args) {
        return FlagValues.parse(List.of(args), Set.of("ttl"), Set.of(), false).duration("ttl", Duration.ofMinutes(10));
    }

    @Test
    void readsTheSharedGrammar() {
        assertEquals(Duration.ofMillis(500), ttl("-ttl", "500ms"));
        assertEquals(Duration.ofSeconds(30), ttl("-ttl=30s"));
        assertEquals(Duration.ofSeconds(10), ttl("-ttl", "10 s"));
        assertEquals(Duration.ofSeconds(10), ttl("-ttl", "PT10S"));
        assertEquals(Duration.ZERO, ttl("-ttl", "0s"));
    }

    @Test
    void fallsBackWhenNotGiven() {
        assertEquals(Duration.ofMinutes(10), ttl());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-PT5S", "PT-5S", "10", "", "99999999999999999999ms", "1d"})
    void refusesWithTheFlagsName(String value) {
        ConfigException e = assertThrows(ConfigException.class, () -> ttl("-ttl=" + value));
        assertEquals(
                "flag -ttl must be a duration such as 500ms, 30s, 10m or 1h, got \"" + value + "\"", e.getMessage());
    }
}
