package dev.spiffecsi.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A command-line parser in the style of Go's {@code flag} package, so that manifests written for the Go driver
 * work unchanged: {@code -name value}, {@code -name=value}, and the GNU forms {@code --name value} and
 * {@code --name=value}. Switches (flags without a value) are given as {@code -name} alone.
 */
public final class Flags {

    private final Set<String> valued;
    private final Set<String> switches;

    /**
     * @param valued   names of flags that take a value
     * @param switches names of flags that take none
     */
    public Flags(Set<String> valued, Set<String> switches) {
        this.valued = Set.copyOf(valued);
        this.switches = Set.copyOf(switches);
    }

    /** The parse result: flag values by name (switches map to {@code "true"}) and the positional arguments. */
    public record Parsed(Map<String, String> values, List<String> positional) {
        public boolean has(String name) {
            return values.containsKey(name);
        }

        public String get(String name, String fallback) {
            return values.getOrDefault(name, fallback);
        }
    }

    /**
     * Parses {@code args}.
     *
     * @throws ConfigException naming an unknown flag (with the known ones) or a flag missing its value
     */
    public Parsed parse(List<String> args) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                positional.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                positional.add(arg);
                continue;
            }
            String body = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            if (switches.contains(name)) {
                values.put(name, eq < 0 ? "true" : body.substring(eq + 1));
            } else if (valued.contains(name)) {
                if (eq >= 0) {
                    values.put(name, body.substring(eq + 1));
                } else if (i + 1 < args.size()) {
                    values.put(name, args.get(++i));
                } else {
                    throw new ConfigException("flag " + arg + " needs a value");
                }
            } else {
                Set<String> known = new TreeSet<>(valued);
                known.addAll(switches);
                throw new ConfigException("unknown flag " + arg + "; known flags: -" + String.join(", -", known));
            }
        }
        return new Parsed(Map.copyOf(values), List.copyOf(positional));
    }
}
