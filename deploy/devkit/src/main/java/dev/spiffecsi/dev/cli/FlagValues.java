package dev.spiffecsi.dev.cli;

import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.config.Flags;
import dev.spiffecsi.spi.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The parsed flags of one development command, in the driver's flag syntax ({@link Flags}). Every problem is a
 * {@link ConfigException} whose message starts with "flag " or "unknown flag", which the CLI reports as a usage
 * error.
 */
public final class FlagValues {

    private final Flags.Parsed parsed;

    private FlagValues(Flags.Parsed parsed) {
        this.parsed = parsed;
    }

    /** Parses {@code args}; positional arguments are refused unless {@code positionalAllowed}. */
    public static FlagValues parse(
            List<String> args, Set<String> valued, Set<String> switches, boolean positionalAllowed) {
        Flags.Parsed parsed = new Flags(valued, switches).parse(args);
        if (!positionalAllowed && !parsed.positional().isEmpty()) {
            throw new ConfigException(
                    "unexpected argument " + parsed.positional().getFirst());
        }
        return new FlagValues(parsed);
    }

    public List<String> positional() {
        return parsed.positional();
    }

    public boolean isSet(String name) {
        return parsed.has(name);
    }

    public Optional<String> optional(String name) {
        return Optional.ofNullable(parsed.values().get(name));
    }

    public String string(String name, String fallback) {
        return parsed.get(name, fallback);
    }

    public String required(String name) {
        String value = parsed.values().get(name);
        if (value == null || value.isEmpty()) {
            throw new ConfigException("flag -" + name + " is required");
        }
        return value;
    }

    /**
     * A non-negative duration such as {@code 500ms}, {@code 30s}, {@code 10m} or {@code 1h}, in the grammar of
     * {@link Durations}.
     */
    public Duration duration(String name, Duration fallback) {
        Optional<String> raw = optional(name);
        if (raw.isEmpty()) {
            return fallback;
        }
        try {
            Duration value = Durations.parse(raw.get());
            // only the ISO-8601 form can be negative; no flag of a development command means anything by it
            if (!value.isNegative()) {
                return value;
            }
        } catch (IllegalArgumentException e) {
            // reported below, with the flag's name
        }
        throw new ConfigException(
                "flag -" + name + " must be a duration such as 500ms, 30s, 10m or 1h, got \"" + raw.get() + "\"");
    }

    /** A non-negative integer. */
    public int count(String name, int fallback) {
        Optional<String> raw = optional(name);
        if (raw.isEmpty()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.get().trim());
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, with the flag's name
        }
        throw new ConfigException("flag -" + name + " must be a non-negative integer, got \"" + raw.get() + "\"");
    }

    /** {@code true} or {@code false}. */
    public boolean bool(String name, boolean fallback) {
        Optional<String> raw = optional(name);
        if (raw.isEmpty()) {
            return fallback;
        }
        return switch (raw.get().trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException("flag -" + name + " must be true or false, got \"" + raw.get() + "\"");
        };
    }
}
