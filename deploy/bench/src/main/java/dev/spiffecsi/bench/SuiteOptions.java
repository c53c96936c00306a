package dev.spiffecsi.bench;

import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.dev.cli.FlagValues;
import java.util.List;
import java.util.Set;

/**
 * The settings of one {@code bench-suite} run.
 *
 * @param driver            the command that starts the driver (a launcher); the suite appends {@code serve} and
 *                          the node's flags
 * @param backend           the backend to serve with
 * @param stormRounds       how many storms run one after the other against the same driver
 * @param stormVolumes      volumes per storm (published and held, then republished once, then unpublished)
 * @param concurrency       calls in flight during a storm
 * @param sequentialVolumes volumes of the sequential phases (one call at a time)
 * @param backgroundMounts  unrelated mounts created for the last phase; 0 skips it
 * @param startupRuns       counted start-ups; 0 skips the start-up phase
 * @param stateOnDisk       keep the driver's state directory on disk (/var/tmp) instead of tmpfs (/dev/shm)
 * @param json              print the report as JSON
 */
public record SuiteOptions(
        List<String> driver,
        String backend,
        int stormRounds,
        int stormVolumes,
        int concurrency,
        int sequentialVolumes,
        int backgroundMounts,
        int startupRuns,
        boolean stateOnDisk,
        boolean json) {

    static final Set<String> VALUED = Set.of(
            "backend",
            "rounds",
            "storm-volumes",
            "concurrency",
            "sequential-volumes",
            "background-mounts",
            "startup-runs");
    static final Set<String> SWITCHES = Set.of("state-on-disk", "json");

    public SuiteOptions {
        driver = List.copyOf(driver);
        if (driver.isEmpty()) {
            throw new ConfigException("bench-suite needs the driver's launcher after --, e.g. bench-suite -- "
                    + "deploy/driver/target/dist/bin/spiffe-csi-driver");
        }
        if (stormRounds < 1 || stormVolumes < 1 || concurrency < 1 || sequentialVolumes < 1) {
            throw new ConfigException(
                    "flag -rounds, -storm-volumes, -concurrency and -sequential-volumes must be " + "at least 1");
        }
    }

    /** Parses {@code bench-suite [flags] -- LAUNCHER [ARGS...]}. */
    public static SuiteOptions parse(List<String> args, String defaultBackend) {
        FlagValues flags = FlagValues.parse(args, VALUED, SWITCHES, true);
        return new SuiteOptions(
                flags.positional(),
                flags.string("backend", defaultBackend),
                flags.count("rounds", 3),
                flags.count("storm-volumes", 200),
                flags.count("concurrency", 8),
                flags.count("sequential-volumes", 1000),
                flags.count("background-mounts", 10_000),
                flags.count("startup-runs", 5),
                flags.bool("state-on-disk", false),
                flags.bool("json", false));
    }
}
