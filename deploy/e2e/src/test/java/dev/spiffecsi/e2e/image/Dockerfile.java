package dev.spiffecsi.e2e.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * deploy/Dockerfile, read as far as the tier compares it with {@link DriverImageRecipe}: its global {@code ARG}
 * defaults, and its stages with their instructions (continuation lines joined, comments dropped).
 */
record Dockerfile(Map<String, String> args, List<Stage> stages) {

    /** One instruction: its keyword (upper case) and the rest of its logical line. */
    record Instruction(String keyword, String arguments) {}

    /** A {@code FROM IMAGE [AS NAME]} and what follows it up to the next FROM. */
    record Stage(String image, String name, List<Instruction> instructions) {

        List<Instruction> all(String keyword) {
            return instructions.stream()
                    .filter(i -> i.keyword().equals(keyword))
                    .toList();
        }

        /** The RUN instructions whose text contains {@code text}. */
        List<String> runs(String text) {
            return all("RUN").stream()
                    .map(Instruction::arguments)
                    .filter(run -> run.contains(text))
                    .toList();
        }
    }

    private static final Pattern ARG = Pattern.compile("(\\w+)=(\\S+)");
    private static final Pattern FROM =
            Pattern.compile("(?:--platform=\\S+\\s+)?(\\S+)(?:\\s+AS\\s+(\\S+))?", Pattern.CASE_INSENSITIVE);

    static Dockerfile read(Path file) throws IOException {
        Map<String, String> args = new LinkedHashMap<>();
        List<Stage> stages = new ArrayList<>();
        for (String line : logicalLines(Files.readString(file))) {
            String[] parts = line.split("\\s+", 2);
            String keyword = parts[0].toUpperCase(Locale.ROOT);
            String arguments = parts.length > 1 ? parts[1].strip() : "";
            if (keyword.equals("FROM")) {
                Matcher from = FROM.matcher(arguments);
                if (!from.matches()) {
                    throw new IllegalArgumentException("cannot read FROM " + arguments);
                }
                stages.add(new Stage(from.group(1), from.group(2), new ArrayList<>()));
            } else if (stages.isEmpty()) {
                Matcher arg = ARG.matcher(arguments);
                if (keyword.equals("ARG") && arg.matches()) {
                    args.put(arg.group(1), arg.group(2));
                }
            } else {
                stages.getLast().instructions().add(new Instruction(keyword, arguments));
            }
        }
        return new Dockerfile(Map.copyOf(args), List.copyOf(stages));
    }

    /** The image's own stage: the last. */
    Stage last() {
        return stages.getLast();
    }

    Stage stage(String name) {
        return stages.stream()
                .filter(s -> name.equals(s.name()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the Dockerfile has no stage " + name));
    }

    /** {@code ${NAME}} replaced by the global ARG's default. */
    String resolve(String text) {
        String resolved = text;
        for (Map.Entry<String, String> arg : args.entrySet()) {
            resolved = resolved.replace("${" + arg.getKey() + "}", arg.getValue());
        }
        return resolved;
    }

    private static List<String> logicalLines(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("#") || (line.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            current.append(line);
            if (!current.toString().isBlank()) {
                lines.add(current.toString().strip());
            }
            current.setLength(0);
        }
        return lines;
    }
}
