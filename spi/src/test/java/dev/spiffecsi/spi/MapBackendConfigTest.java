package dev.spiffecsi.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Its durations: the grammar is {@link Durations}'s (tested there); here, what reaches it and how a refusal reads. */
class MapBackendConfigTest {

    private static MapBackendConfig config(Object timeout) {
        return new MapBackendConfig("spiffe-csi.backends.test", Map.of("timeout", timeout));
    }

    @Test
    void parsesDurationStrings() {
        assertEquals(Duration.ofMillis(500), config("500ms").getDuration("timeout"));
        assertEquals(Duration.ofSeconds(10), config("10 s").getDuration("timeout"));
        assertEquals(Duration.ofSeconds(-5), config("-PT5S").getDuration("timeout"));
    }

    @Test
    void takesADurationAsItIs() {
        assertEquals(Duration.ofNanos(-1), config(Duration.ofNanos(-1)).getDuration("timeout"));
    }

    @Test
    void refusesWithTheFullKey() {
        BackendException e = assertThrows(
                BackendException.class, () -> config("99999999999999999999ms").getDuration("timeout"));
        assertEquals(BackendException.Failure.INVALID_CONFIG, e.failure());
        assertEquals(
                "spiffe-csi.backends.test.timeout: must be a duration such as 500ms or 10s, got "
                        + "\"99999999999999999999ms\"",
                e.getMessage());
    }
}
