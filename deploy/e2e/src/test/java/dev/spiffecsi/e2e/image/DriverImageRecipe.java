package dev.spiffecsi.e2e.image;

import java.util.List;
import java.util.Map;

/**
 * The production driver image as the last stage of {@code deploy/Dockerfile} makes it, for a build without docker.
 * {@code DockerfileAgreementTest} parses the Dockerfile and fails when the two differ, so that what the tier deploys
 * is what ships. /opt/spiffe-csi itself is made by {@code deploy/driver/image/image-root.sh} in both: its logic is
 * not repeated here.
 */
public final class DriverImageRecipe {

    /** {@code FROM debian:bookworm-…-slim}: the release debootstrap installs (variant minbase, then slimmed). */
    public static final String DEBIAN_SUITE = "bookworm";
    /** The Dockerfile's {@code RUN useradd …}: the unprivileged user for commands that touch no host path. */
    public static final List<String> USERADD = List.of("useradd", "--system", "--uid", "65532", "--user-group",
            "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "spiffe-csi");
    /** Where the distribution, its runtime, native libraries and AOT cache are. */
    public static final String OPT = "/opt/spiffe-csi";
    /** The stage that assembles /opt/spiffe-csi copies the production distribution from here (repository root). */
    public static final String DISTRIBUTION = "deploy/driver/target/dist";
    /** The Dockerfile's bind mounts for training the AOT cache in place: the JDK and the repository's deploy/. */
    public static final String JDK_MOUNT = "/tmp/jdk";
    public static final String DEPLOY_MOUNT = "/tmp/deploy";
    /** {@code image-root.sh train-aot OPT TRAINER}, run in the image with {@code JAVA_HOME=}{@link #JDK_MOUNT}. */
    public static final List<String> TRAIN_AOT = List.of(DEPLOY_MOUNT + "/driver/image/image-root.sh", "train-aot",
            OPT, DEPLOY_MOUNT + "/dev-distribution/target/dist");
    public static final List<String> ENTRYPOINT = List.of(OPT + "/bin/spiffe-csi-driver");
    public static final List<String> CMD = List.of();
    /** Root, as the Go driver's image; an image without a user runs as root, which is all image.sh makes. */
    public static final String USER = "0:0";
    /** The image adds no environment to its base's (the launcher needs none). */
    public static final Map<String, String> ENV = Map.of();

    private DriverImageRecipe() {
    }
}
