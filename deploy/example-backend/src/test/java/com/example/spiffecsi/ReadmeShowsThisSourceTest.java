package com.example.spiffecsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's "Writing a third-party backend" shows this module's main sources, every one of them and each exactly
 * as it is, so that the example a newcomer copies is the one that compiles and passes the contract. A code block is
 * tied to its file by the comment before it: {@code <!-- source: deploy/example-backend/src/main/... -->}.
 */
class ReadmeShowsThisSourceTest {

    /** Tests run in the module's directory. */
    private static final Path REPOSITORY = Path.of("../..").toAbsolutePath().normalize();

    private static final Path MODULE = REPOSITORY.resolve("deploy/example-backend");
    private static final String SECTION = "## Writing a third-party backend";
    private static final Pattern SHOWN =
            Pattern.compile("<!-- source: (\\S+) -->\n```[a-z]*\n(.*?)```\n", Pattern.DOTALL);

    /** The section's code blocks by the file each says it shows. */
    private static Map<String, String> shownInReadme() throws IOException {
        String readme = Files.readString(REPOSITORY.resolve("README.md"));
        int start = readme.indexOf(SECTION);
        assertTrue(start >= 0, "README.md has a section \"" + SECTION + "\"");
        int end = readme.indexOf("\n## ", start + SECTION.length());
        Matcher blocks = SHOWN.matcher(readme.substring(start, end < 0 ? readme.length() : end));
        Map<String, String> shown = new TreeMap<>();
        while (blocks.find()) {
            shown.put(blocks.group(1), blocks.group(2));
        }
        return shown;
    }

    /** Every file of the example that ships in its jar, by its path from the repository's root. */
    private static Map<String, String> mainSources() throws IOException {
        try (Stream<Path> files = Files.walk(MODULE.resolve("src/main"))) {
            Map<String, String> sources = new TreeMap<>();
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                sources.put(REPOSITORY.relativize(file).toString(), Files.readString(file));
            }
            return sources;
        }
    }

    @Test
    void theReadmeShowsEveryMainSourceFileOfTheExample() throws IOException {
        assertEquals(
                mainSources().keySet(),
                shownInReadme().keySet(),
                "the files README.md shows (<!-- source: ... --> before a code block) are the example's");
    }

    @Test
    void eachCodeBlockIsItsFileExactly() throws IOException {
        Map<String, String> sources = mainSources();
        Map<String, String> stale = shownInReadme().entrySet().stream()
                .filter(block -> !block.getValue().equals(sources.get(block.getKey())))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
        assertEquals(Map.of(), stale, "README.md blocks that differ from their file: copy the file into the block");
    }
}
