package dev.spiffecsi.deploy.helm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The chart and the renderings the checks compare: {@code helm template} of ours or of the hardened subchart,
 * {@code kubectl kustomize} of the manifests. */
final class Chart {

    static final Path DEPLOY = locateDeploy();
    /** deploy/helm/spiffe-csi-driver */
    static final Path CHART = DEPLOY.resolve("helm/spiffe-csi-driver");
    /** The hardened SPIRE chart's spiffe-csi-driver subchart (test resources; see its NOTICE). */
    static final Path HARDENED = DEPLOY.resolve("helm/src/test/resources/hardened-subchart");

    static final Path KUBERNETES = DEPLOY.resolve("kubernetes");
    static final String RELEASE = "spiffe-csi-driver";
    static final String NAMESPACE = "spire";

    private static final Map<List<String>, Objects> CACHE = new ConcurrentHashMap<>();

    private Chart() {}

    /** Our chart rendered as release spiffe-csi-driver in namespace spire, with {@code --set}-style settings. */
    static Objects render(String... settings) {
        List<String> args = new ArrayList<>();
        for (String setting : settings) {
            args.add(setting.startsWith("-") ? setting : "--set=" + setting);
        }
        return template(CHART, args);
    }

    static Objects template(Path chart, List<String> extra) {
        List<String> args = new ArrayList<>(List.of("template", RELEASE, chart.toString(), "--namespace", NAMESPACE));
        args.addAll(extra);
        return CACHE.computeIfAbsent(List.copyOf(args), a -> Objects.parse(String.join(" ", a), Tool.HELM.output(a)));
    }

    /** {@code helm template} that is expected to fail: its result. */
    static Tool.Result templateResult(String... extra) {
        List<String> args = new ArrayList<>(List.of("template", RELEASE, CHART.toString()));
        args.addAll(List.of(extra));
        return Tool.HELM.run(args);
    }

    static Objects kustomize(String dir) {
        List<String> key = List.of("kustomize", dir);
        return CACHE.computeIfAbsent(
                key,
                k -> Objects.parse(
                        dir,
                        Tool.KUBECTL.output(
                                List.of("kustomize", KUBERNETES.resolve(dir).toString()))));
    }

    private static Path locateDeploy() {
        for (String base : new String[] {System.getProperty("basedir"), System.getProperty("user.dir")}) {
            if (base == null) {
                continue;
            }
            for (Path candidate : List.of(Path.of(base).resolve(".."), Path.of(base), Path.of(base, "deploy"))) {
                if (Files.isDirectory(candidate.resolve("helm/spiffe-csi-driver"))
                        && Files.isDirectory(candidate.resolve("kubernetes"))) {
                    return candidate.toAbsolutePath().normalize();
                }
            }
        }
        throw new IllegalStateException("cannot find the deploy directory (basedir " + System.getProperty("basedir")
                + ", user.dir " + System.getProperty("user.dir") + ")");
    }
}
