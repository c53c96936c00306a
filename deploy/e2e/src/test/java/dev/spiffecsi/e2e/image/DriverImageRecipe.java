package dev.spiffecsi.e2e.image;

import java.util.List;
import java.util.Map;

/**
 * The production driver image as {@code deploy/Dockerfile} makes it, for a build without docker.
 * {@code DockerfileAgreementTest} parses the Dockerfile and fails when the two differ, so that what the tier deploys
 * is what ships. The base is made by {@code deploy/driver/image/base-root.sh} and /opt/spiffe-csi by
 * {@code deploy/driver/image/image-root.sh} in both: their logic is not repeated here.
 */
public final class DriverImageRecipe {

    /**
     * {@code FROM debian:bookworm-…-slim} of the stage that runs base-root.sh: the release debootstrap installs
     * (variant minbase, then slimmed), from which base-root.sh takes the image's base.
     */
    public static final String DEBIAN_SUITE = "bookworm";
    /**
     * The Dockerfile's {@code RUN useradd …}, before base-root.sh (which copies the user): the unprivileged user for
     * commands that touch no host path.
     */
    public static final List<String> USERADD = List.of(
            "useradd",
            "--system",
            "--uid",
            "65532",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            "spiffe-csi");
    /** Where the distribution, its runtime, native libraries and AOT cache are. */
    public static final String OPT = "/opt/spiffe-csi";
    /** The stage that assembles /opt/spiffe-csi copies the production distribution from here (repository root). */
    public static final String DISTRIBUTION = "deploy/driver/target/dist";
    /**
     * The repository's deploy/ for training the AOT cache where /opt/spiffe-csi is: the Dockerfile's bind mount; the
     * tier's chroot mounts it there too, and its JDK at {@link #JDK_MOUNT} (the Dockerfile's stage is a JDK image).
     */
    public static final String DEPLOY_MOUNT = "/tmp/deploy";

    public static final String JDK_MOUNT = "/tmp/jdk";
    /** {@code image-root.sh train-aot OPT TRAINER}, run with {@code JAVA_HOME} a JDK, where OPT is assembled. */
    public static final List<String> TRAIN_AOT = List.of(
            DEPLOY_MOUNT + "/driver/image/image-root.sh",
            "train-aot",
            OPT,
            DEPLOY_MOUNT + "/dev-distribution/target/dist");

    public static final List<String> ENTRYPOINT = List.of(OPT + "/bin/spiffe-csi-driver");
    public static final List<String> CMD = List.of();
    /** Root, as the Go driver's image; an image without a user runs as root, which is all image.sh makes. */
    public static final String USER = "0:0";
    /**
     * The image's environment: the search path only (Debian's; the realnode's image.sh sets the same), which a base
     * made from scratch does not bring; the launcher needs no environment.
     */
    public static final Map<String, String> ENV =
            Map.of("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

    private DriverImageRecipe() {}
}
