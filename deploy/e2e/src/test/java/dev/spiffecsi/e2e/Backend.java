package dev.spiffecsi.e2e;

/**
 * The project's overlays the tier deploys, each with its backend, and how that backend is expected to differ in
 * the checks.
 */
enum Backend {

    /** overlays/production: read-only kernel bind mounts of the agent socket directory. */
    BINDMOUNT("production", "bindmount"),
    /** overlays/dev (kind, minikube): a symbolic link to the agent socket directory as the node sees it. */
    SYMLINK_DEV("dev", "symlink-dev"),
    /** overlays/fuse-proxy: a FUSE file system per volume, with one socket the driver serves. */
    FUSE_PROXY("fuse-proxy", "fuse-proxy");

    final String overlay;
    final String backend;

    Backend(String overlay, String backend) {
        this.overlay = overlay;
        this.backend = backend;
    }

    /** symlink-dev cannot keep a volume read-only, so its overlay refuses {@code readOnly: false} (a pod event). */
    boolean refusesWritableVolumes() {
        return this == SYMLINK_DEV;
    }

    /**
     * fuse-proxy serves its own socket: pods never see the agent's directory, and a FUSE mount dies with the driver
     * process, so only pods mounting the volume with HostToContainer propagation see the driver's replacement.
     */
    boolean servesItsOwnSocket() {
        return this == FUSE_PROXY;
    }

    /** bindmount and fuse-proxy publish a mount at the target; symlink-dev a symbolic link. */
    boolean publishesMounts() {
        return this != SYMLINK_DEV;
    }

    String label() {
        return overlay + " (" + backend + ")";
    }
}
