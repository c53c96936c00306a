package dev.spiffecsi.spi;

/**
 * What a backend finds at a target path.
 *
 * @since 0.1
 */
public enum TargetState {
    /** Nothing is there: the path is missing, or is an empty plain directory. */
    ABSENT,
    /** This backend's publication is there and points at the Workload API. */
    PUBLISHED,
    /**
     * This backend's publication is there but does not work (for example a FUSE mount whose server died with an
     * earlier driver process). A publish repairs it in place; an unpublish removes it.
     */
    BROKEN,
    /**
     * Something this backend did not make is there (a foreign mount, a link elsewhere, a non-empty directory);
     * never touch it.
     */
    FOREIGN
}
