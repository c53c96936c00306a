package dev.spiffecsi.config;

import java.util.List;

/** The configuration is unusable; the message lists every problem found, each naming its key. */
public final class ConfigException extends RuntimeException {

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(
                problems.size() == 1
                        ? problems.get(0)
                        : "invalid configuration:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    public List<String> problems() {
        return problems;
    }
}
