package dev.spiffecsi.e2e.cluster;

import dev.spiffecsi.e2e.support.Exec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The real Helm (v3 or v4) against the rig's API server: found as the tier finds kubectl's peers, through
 * {@code $HELM}, PATH or /usr/local/bin/helm (where deploy/kubernetes/tools/install-helm.sh puts it, as .ci/run
 * does). {@link #locate()} says why there is none, so that the tier can skip its Helm checks, or fail them under
 * SPIFFECSI_REQUIRE_ALL=1.
 */
public final class Helm {

    private static final Duration TIMEOUT = Duration.ofMinutes(4);

    private final Path binary;
    private final Path kubeconfig;

    private Helm(Path binary, Path kubeconfig) {
        this.binary = binary;
        this.kubeconfig = kubeconfig;
    }

    /** The helm binary, or why there is none. */
    public static Optional<Path> locate() {
        Stream<Path> candidates = Stream.concat(
                Optional.ofNullable(System.getenv("HELM")).map(Path::of).stream(),
                Stream.concat(
                        Stream.of(Optional.ofNullable(System.getenv("PATH"))
                                        .orElse("")
                                        .split(":"))
                                .filter(s -> !s.isEmpty())
                                .map(dir -> Path.of(dir, "helm")),
                        Stream.of(Path.of("/usr/local/bin/helm"))));
        return candidates.filter(Files::isExecutable).findFirst();
    }

    public static Helm of(Path binary, Path kubeconfig) {
        return new Helm(binary, kubeconfig);
    }

    public String version() {
        return run(List.of("version", "--template", "{{.Version}}")).stdout().strip();
    }

    /** Runs helm with the rig's kubeconfig; fails with helm's output on a non-zero exit. */
    public Exec.Result run(List<String> args) {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--kubeconfig", kubeconfig.toString()));
        command.addAll(args);
        return Exec.run(command, TIMEOUT.plusMinutes(1)).orThrow();
    }
}
