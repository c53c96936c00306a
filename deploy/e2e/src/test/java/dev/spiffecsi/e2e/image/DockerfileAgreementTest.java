package dev.spiffecsi.e2e.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/Dockerfile and the tier's image build ({@link DriverImageRecipe}, {@link ImageBuilder}) agree: the base
 * taken by base-root.sh from the same Debian release with the same user added, /opt/spiffe-csi from image-root.sh's
 * {@code assemble} (the same jlink modules and native libraries: the script reads them) and {@code train-aot} in
 * place, the same entrypoint, command, user and environment. A change to one fails here until the other follows.
 */
class DockerfileAgreementTest {

    private static final Path ROOT = Path.of(System.getProperty("spiffecsi.root", "../.."))
            .toAbsolutePath()
            .normalize();
    private static Dockerfile dockerfile;

    @BeforeAll
    static void read() throws IOException {
        dockerfile = Dockerfile.read(ROOT.resolve("deploy/Dockerfile"));
    }

    @Test
    void theBaseIsTakenByBaseRootShFromTheSlimImageOfTheRecipesDebianRelease() {
        Dockerfile.Stage stage = baseRootStage();
        String base = dockerfile.resolve(stage.image());
        assertTrue(
                base.matches("debian:" + DriverImageRecipe.DEBIAN_SUITE + "(-\\d+)?-slim"),
                "base-root.sh's source " + base + " is not debian:" + DriverImageRecipe.DEBIAN_SUITE + "-…-slim, which "
                        + "DebianRootfs stands in for");
        List<String> command = words(stage.runs("base-root.sh").getFirst());
        assertEquals(3, command.size(), "base-root.sh SOURCE TARGET: " + command);
        assertEquals("/", command.get(1), "base-root.sh takes the base from the Debian stage's own root");
        assertEquals("scratch", dockerfile.last().image(), "the image holds nothing but what base-root.sh takes");
        assertEquals(
                List.of("--from=" + stage.name() + " " + command.get(2) + " /"),
                dockerfile.last().all("COPY").stream()
                        .map(Dockerfile.Instruction::arguments)
                        .filter(copy -> copy.startsWith("--from=" + stage.name() + " "))
                        .toList(),
                "the image's root is base-root.sh's target as it is");
    }

    @Test
    void theUserIsAddedAsTheRecipeAddsItBeforeBaseRootShCopiesIt() {
        Dockerfile.Stage stage = baseRootStage();
        List<String> useradd = stage.runs("useradd");
        assertEquals(1, useradd.size(), "RUN useradd in the base-root.sh stage: " + useradd);
        assertEquals(DriverImageRecipe.USERADD, words(useradd.getFirst()));
        List<String> runs =
                stage.all("RUN").stream().map(Dockerfile.Instruction::arguments).toList();
        assertTrue(
                runs.indexOf(useradd.getFirst())
                        < runs.indexOf(stage.runs("base-root.sh").getFirst()),
                "useradd runs before base-root.sh copies /etc/passwd: " + runs);
        assertEquals(List.of(), dockerfile.last().all("RUN"), "the image (no shell tools) runs nothing at build");
    }

    @Test
    void optIsAssembledByImageRootShFromTheProductionDistribution() {
        List<Dockerfile.Stage> assembling = dockerfile.stages().stream()
                .filter(stage -> !stage.runs("image-root.sh assemble").isEmpty())
                .toList();
        assertEquals(1, assembling.size(), "one stage runs image-root.sh assemble");
        Dockerfile.Stage stage = assembling.getFirst();
        List<String> command = words(stage.runs("image-root.sh assemble").getFirst());
        int script = command.indexOf(command.stream()
                .filter(w -> w.endsWith("/image-root.sh"))
                .findFirst()
                .orElseThrow());
        String distribution = command.get(script + 2);
        assertEquals(DriverImageRecipe.OPT, command.get(script + 3), "where assemble puts /opt/spiffe-csi");
        assertTrue(
                stage.all("COPY").stream()
                        .map(Dockerfile.Instruction::arguments)
                        .anyMatch(copy -> copy.matches("--from=\\S+ /src/"
                                + Pattern.quote(DriverImageRecipe.DISTRIBUTION) + " " + Pattern.quote(distribution))),
                "the assembled distribution is " + DriverImageRecipe.DISTRIBUTION + ": " + stage.all("COPY"));
        assertTrue(
                dockerfile.last().all("COPY").stream()
                        .map(Dockerfile.Instruction::arguments)
                        .anyMatch(copy -> copy.equals(
                                "--from=" + stage.name() + " " + DriverImageRecipe.OPT + " " + DriverImageRecipe.OPT)),
                "the image takes " + DriverImageRecipe.OPT + " from stage " + stage.name() + " as it is");
    }

    @Test
    void theAotCacheIsTrainedInPlaceAsTheRecipeTrainsIt() {
        List<Dockerfile.Stage> training = dockerfile.stages().stream()
                .filter(stage -> !stage.runs("train-aot").isEmpty())
                .toList();
        assertEquals(1, training.size(), "one stage trains the AOT cache");
        Dockerfile.Stage stage = training.getFirst();
        assertEquals(1, stage.runs("train-aot").size(), "trained once: " + stage.runs("train-aot"));
        assertTrue(
                !stage.runs("image-root.sh assemble").isEmpty(),
                "trained in the stage that assembles " + DriverImageRecipe.OPT + ", where the image has it");
        List<String> words = words(stage.runs("train-aot").getFirst());
        Map<String, String> mounts = words.stream()
                .filter(w -> w.startsWith("--mount="))
                .map(DockerfileAgreementTest::mountOptions)
                .collect(Collectors.toMap(m -> m.get("target"), m -> m.get("source")));
        assertEquals(
                "/src/deploy",
                mounts.get(DriverImageRecipe.DEPLOY_MOUNT),
                "the repository's deploy/ at " + DriverImageRecipe.DEPLOY_MOUNT + ": " + mounts);
        List<String> command =
                words.stream().filter(w -> !w.startsWith("--mount=")).toList();
        assertTrue(command.getFirst().startsWith("JAVA_HOME=/"), "training runs with a JDK: " + command);
        assertEquals(DriverImageRecipe.TRAIN_AOT, command.subList(1, command.size()));
    }

    @Test
    void entrypointCommandUserAndEnvironmentAreTheRecipes() throws IOException {
        Dockerfile.Stage image = dockerfile.last();
        assertEquals(DriverImageRecipe.ENTRYPOINT, json(only(image, "ENTRYPOINT")));
        assertEquals(DriverImageRecipe.CMD, json(only(image, "CMD")));
        assertEquals(DriverImageRecipe.USER, only(image, "USER"));
        assertEquals(
                DriverImageRecipe.ENV,
                image.all("ENV").stream()
                        .map(Dockerfile.Instruction::arguments)
                        .map(env -> env.split("=", 2))
                        .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1])));
    }

    @Test
    void onlyImageRootShLinksTheJavaRuntime() {
        for (Dockerfile.Stage stage : dockerfile.stages()) {
            assertEquals(
                    List.of(),
                    stage.runs("jlink"),
                    "stage " + stage.name() + " links a runtime of its own: "
                            + "image-root.sh (and its jlink-modules) must be the only place, for the tier builds with it");
        }
    }

    private static Dockerfile.Stage baseRootStage() {
        List<Dockerfile.Stage> stages = dockerfile.stages().stream()
                .filter(stage -> !stage.runs("base-root.sh").isEmpty())
                .toList();
        assertEquals(1, stages.size(), "one stage runs base-root.sh");
        return stages.getFirst();
    }

    private static String only(Dockerfile.Stage stage, String keyword) {
        List<Dockerfile.Instruction> found = stage.all(keyword);
        assertEquals(1, found.size(), keyword + " in the image's stage: " + found);
        return found.getFirst().arguments();
    }

    private static List<String> json(String array) throws IOException {
        return new ObjectMapper().readValue(array, new TypeReference<>() {});
    }

    /** A RUN's words: the RUNs compared here are single commands without quoting. */
    private static List<String> words(String run) {
        return Arrays.stream(run.split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    private static Map<String, String> mountOptions(String mount) {
        Matcher options = Pattern.compile("(\\w+)=([^,]+)").matcher(mount.substring("--mount=".length()));
        Map<String, String> result = new HashMap<>();
        while (options.find()) {
            result.put(options.group(1), options.group(2));
        }
        return result;
    }
}
