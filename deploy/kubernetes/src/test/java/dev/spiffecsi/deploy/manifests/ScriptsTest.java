package dev.spiffecsi.deploy.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The scripts beside the manifests. */
class ScriptsTest {

    static Stream<Path> scripts() throws IOException {
        return Kustomize.manifestFiles().stream().filter(f -> f.toString().endsWith(".sh"));
    }

    @Test
    void registerWorkloadIsTheSeedsScript() throws IOException {
        assertEquals(
                Files.readString(Kustomize.SEED.resolve("register-workload.sh")),
                Files.readString(Kustomize.KUBERNETES.resolve("base/example-workload/register-workload.sh")));
    }

    @Test
    void thereAreScripts() throws IOException {
        assertEquals(
                List.of(
                        "base/example-workload/register-workload.sh",
                        "overlays/fuse-proxy/register-delegate.sh",
                        "tools/install-helm.sh",
                        "tools/install-kubectl.sh",
                        "tools/kubectl-layer.sh"),
                scripts()
                        .map(p -> Kustomize.KUBERNETES.relativize(p).toString())
                        .toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void scriptIsExecutableAndParses(Path script) throws Exception {
        assertTrue(Files.isExecutable(script), script + " is not executable");
        assertTrue(Files.readString(script).startsWith("#!/"), "shebang");
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "SKIPPED: no /bin/bash to check the syntax with");
        Process bash = new ProcessBuilder("/bin/bash", "-n", script.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bash.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, bash.exitValue(), output);
    }
}
