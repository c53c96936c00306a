package dev.spiffecsi.config;

/** How the driver logs: an SLF4J level name and {@code text} or {@code json} lines. */
public record LogSettings(String level, Format format) {

    public enum Format {
        TEXT,
        JSON
    }
}
