package dev.spiffecsi.e2e.image;

import dev.spiffecsi.e2e.rig.RealNode;
import dev.spiffecsi.e2e.support.Exec;
import dev.spiffecsi.e2e.support.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Builds the tier's images without docker and imports them into the rig's containerd ({@code image.sh}):
 * <ul>
 *   <li>the production driver image as {@link DriverImageRecipe} (deploy/Dockerfile) says: in a Debian root file
 *       system, the Dockerfile's user, /opt/spiffe-csi from {@code image-root.sh assemble} (the production
 *       distribution, its jlinked runtime and native libraries) and the AOT cache trained in place with
 *       {@code image-root.sh train-aot} inside that root (the cache is valid only at the path it was trained at);
 *       then the image's root: {@code base-root.sh} from that Debian root, and /opt/spiffe-csi as it is; the
 *       Dockerfile's entrypoint;</li>
 *   <li>the dev agent's and the example workload's images: the development distribution assembled the same way
 *       (a jlinked runtime, no AOT cache), plus the in-pod SVID check in {@code plugins/}; they differ only in
 *       their entrypoint's command;</li>
 *   <li>node-driver-registrar and livenessprobe: the rig's binaries alone, with the entrypoints of the upstream
 *       images, under the names the project's manifests use.</li>
 * </ul>
 */
public final class ImageBuilder {

    private static final Duration ASSEMBLE = Duration.ofMinutes(10);

    private final Path projectRoot;
    private final Path work;
    private final Path cache;
    private final RealNode node;
    private final Path svidCheckJar;
    private final Path jdk;

    /**
     * @param work         emptied, then holds the images' root file systems until they are imported
     * @param cache        keeps the Debian root file system between runs
     * @param svidCheckJar this module's jar (the in-pod SVID check)
     */
    public ImageBuilder(Path projectRoot, Path work, Path cache, RealNode node, Path svidCheckJar) {
        this.projectRoot = projectRoot;
        this.work = work;
        this.cache = cache;
        this.node = node;
        this.svidCheckJar = svidCheckJar;
        this.jdk = Path.of(System.getProperty("java.home"));
        if (!Files.isExecutable(jdk.resolve("bin/jlink"))) {
            throw new IllegalStateException("the tests run on " + jdk + ", which has no jlink: image-root.sh needs a "
                    + "JDK (run them with a JDK >= 21, as test.sh does)");
        }
    }

    /**
     * Builds the root file systems one after the other (jlink and the AOT training need the CPU) and imports each
     * as soon as it is ready, while the next is built (image.sh mostly reads and writes files).
     */
    public void build(LocalImages images) {
        Path debian = DebianRootfs.ensure(cache, DriverImageRecipe.DEBIAN_SUITE);
        removeWork();
        List<CompletableFuture<Void>> imports = new ArrayList<>();
        try (ExecutorService importer = Executors.newVirtualThreadPerTaskExecutor()) {
            Files.createDirectories(work);
            Path driver = driverRoot(debian);
            imports.add(importing(importer, driver, images.driver(), DriverImageRecipe.ENTRYPOINT));
            Path development = developmentRoot(debian);
            String launcher = DriverImageRecipe.OPT + "/bin/spiffe-csi-driver";
            imports.add(importing(importer, development, images.devAgent(), List.of(launcher, "dev-agent")));
            imports.add(importing(importer, development, images.exampleWorkload(), List.of(launcher, "workload")));
            imports.add(importing(
                    importer,
                    sidecarRoot("node-driver-registrar", "csi-node-driver-registrar"),
                    images.registrar(),
                    List.of("/csi-node-driver-registrar")));
            imports.add(importing(
                    importer,
                    sidecarRoot("livenessprobe", "livenessprobe"),
                    images.livenessProbe(),
                    List.of("/livenessprobe")));
            CompletableFuture.allOf(imports.toArray(CompletableFuture[]::new)).join();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot prepare the images' root file systems in " + work + ": " + e.getMessage(), e);
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        } finally {
            removeWork();
        }
    }

    private CompletableFuture<Void> importing(
            ExecutorService importer, Path rootfs, String name, List<String> entrypoint) {
        return CompletableFuture.runAsync(
                () -> Progress.log("imported image " + node.importImage(rootfs, name, entrypoint)), importer);
    }

    private Path driverRoot(Path debian) {
        // the Dockerfile's image-root and base-root stages in one Debian root (a JDK bind-mounted for the training)
        Path build = work.resolve("driver-build");
        Progress.log("driver image: Debian " + DriverImageRecipe.DEBIAN_SUITE + ", useradd, image-root.sh assemble");
        DebianRootfs.copy(debian, build);
        RootfsChroot.run(build, Map.of(), Map.of(), DriverImageRecipe.USERADD, Duration.ofMinutes(1))
                .orThrow();
        Path opt = assemble(projectRoot.resolve(DriverImageRecipe.DISTRIBUTION), build);
        Progress.log("driver image: image-root.sh train-aot in place at " + DriverImageRecipe.OPT);
        RootfsChroot.run(
                        build,
                        Map.of(
                                jdk,
                                DriverImageRecipe.JDK_MOUNT,
                                projectRoot.resolve("deploy"),
                                DriverImageRecipe.DEPLOY_MOUNT),
                        Map.of("JAVA_HOME", DriverImageRecipe.JDK_MOUNT),
                        DriverImageRecipe.TRAIN_AOT,
                        ASSEMBLE)
                .orThrow();
        if (!Files.isRegularFile(opt.resolve("spiffe-csi-driver.aot"))) {
            throw new IllegalStateException("image-root.sh train-aot left no AOT cache in " + build);
        }
        Path rootfs = work.resolve("driver");
        Progress.log("driver image: base-root.sh, then " + DriverImageRecipe.OPT + " as it is");
        Exec.run(
                        List.of(
                                projectRoot
                                        .resolve("deploy/driver/image/base-root.sh")
                                        .toString(),
                                build.toString(),
                                rootfs.toString()),
                        Duration.ofMinutes(2))
                .orThrow();
        Path target = rootfs.resolve(relative(DriverImageRecipe.OPT));
        Exec.run(List.of("mkdir", "-p", target.getParent().toString()), Duration.ofSeconds(10))
                .orThrow();
        // cp -a keeps the jars' times and sizes, which the AOT cache checks
        Exec.run(List.of("cp", "-a", opt.toString(), target.toString()), Duration.ofMinutes(2))
                .orThrow();
        Exec.run(List.of("rm", "-rf", "--one-file-system", build.toString()), Duration.ofMinutes(2))
                .orThrow();
        return rootfs;
    }

    /** The dev agent's and the example workload's root: they differ only in their entrypoints' command. */
    private Path developmentRoot(Path debian) throws IOException {
        Path rootfs = work.resolve("development");
        Progress.log("dev agent and example workload images: the development distribution, image-root.sh assemble, "
                + "plus the SVID check");
        DebianRootfs.copy(debian, rootfs);
        Path opt = assemble(projectRoot.resolve("deploy/dev-distribution/target/dist"), rootfs);
        Files.copy(
                svidCheckJar,
                opt.resolve("plugins").resolve(svidCheckJar.getFileName()),
                StandardCopyOption.REPLACE_EXISTING);
        return rootfs;
    }

    /** A sidecar's root: the rig's (static) binary alone, where the upstream image has it. */
    private Path sidecarRoot(String binary, String inImage) throws IOException {
        Path rootfs = Files.createDirectories(work.resolve(binary));
        Files.copy(node.binary(binary), rootfs.resolve(inImage));
        return rootfs;
    }

    /** {@code image-root.sh assemble DIST ROOTFS/opt/spiffe-csi}, on this JDK (the Dockerfile's image-root stage). */
    private Path assemble(Path distribution, Path rootfs) {
        Path opt = rootfs.resolve(relative(DriverImageRecipe.OPT));
        Exec.run(
                        List.of(
                                projectRoot
                                        .resolve("deploy/driver/image/image-root.sh")
                                        .toString(),
                                "assemble",
                                distribution.toString(),
                                opt.toString()),
                        null,
                        Map.of("JAVA_HOME", jdk.toString()),
                        ASSEMBLE)
                .orThrow();
        return opt;
    }

    private void removeWork() {
        Exec.run(List.of("rm", "-rf", "--one-file-system", work.toString()), Duration.ofMinutes(2))
                .orThrow();
    }

    private static String relative(String absolute) {
        return absolute.substring(1);
    }
}
