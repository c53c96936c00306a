package dev.spiffecsi.bench;

import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.dev.cli.FlagValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The settings of one {@code bench} run.
 *
 * @param socket           the CSI endpoint's Unix socket
 * @param volumes          how many pod volumes to publish
 * @param concurrency      how many calls are in flight at once (one worker thread each)
 * @param hold             publish every volume first, then unpublish them all; otherwise each worker unpublishes
 *                         the volume it has just published
 * @param repeatPublish    how many times every published volume is published again (a kubelet restart replays
 *                         NodePublishVolume for every mounted volume), timed separately
 * @param pid              the driver process to sample in /proc, if any
 * @param backgroundMounts unrelated bind mounts to create before measuring
 * @param json             print the report as JSON instead of text
 * @param podsDir          the driver's kubelet pods directory; empty for a fresh temporary one
 * @param warmup           volumes published and unpublished before measuring, not recorded
 * @param connectTimeout   how long to wait for the endpoint to answer Probe with ready before giving up
 */
public record BenchOptions(
        Path socket,
        int volumes,
        int concurrency,
        boolean hold,
        int repeatPublish,
        OptionalLong pid,
        int backgroundMounts,
        boolean json,
        Optional<Path> podsDir,
        int warmup,
        Duration connectTimeout) {

    static final Set<String> VALUED = Set.of(
            "endpoint",
            "volumes",
            "concurrency",
            "repeat-publish",
            "pid",
            "background-mounts",
            "pods-dir",
            "warmup",
            "connect-timeout");
    static final Set<String> SWITCHES = Set.of("hold", "json");

    public BenchOptions {
        if (volumes < 1) {
            throw new ConfigException("flag -volumes must be at least 1, got " + volumes);
        }
        if (concurrency < 1) {
            throw new ConfigException("flag -concurrency must be at least 1, got " + concurrency);
        }
    }

    /** Parses the flags of {@code bench}. */
    public static BenchOptions parse(List<String> args) {
        FlagValues flags = FlagValues.parse(args, VALUED, SWITCHES, false);
        OptionalLong pid = flags.optional("pid")
                .map(raw -> {
                    try {
                        return OptionalLong.of(Long.parseLong(raw.trim()));
                    } catch (NumberFormatException e) {
                        throw new ConfigException("flag -pid must be a process id, got \"" + raw + "\"");
                    }
                })
                .orElse(OptionalLong.empty());
        return new BenchOptions(
                socketOf(flags.required("endpoint")),
                flags.count("volumes", 100),
                flags.count("concurrency", 1),
                flags.bool("hold", false),
                flags.count("repeat-publish", 0),
                pid,
                flags.count("background-mounts", 0),
                flags.bool("json", false),
                flags.optional("pods-dir")
                        .map(dir -> Path.of(dir).toAbsolutePath().normalize()),
                flags.count("warmup", 0),
                flags.duration("connect-timeout", Duration.ofSeconds(60)));
    }

    /** {@code unix:///path}, {@code unix:/path} or a plain path. */
    static Path socketOf(String endpoint) {
        String path;
        if (endpoint.startsWith("unix://")) {
            path = endpoint.substring("unix://".length());
        } else if (endpoint.startsWith("unix:")) {
            path = endpoint.substring("unix:".length());
        } else if (endpoint.contains("://")) {
            throw new ConfigException("flag -endpoint must be a Unix socket, unix:///path, got \"" + endpoint + "\"");
        } else {
            path = endpoint;
        }
        if (path.isEmpty()) {
            throw new ConfigException("flag -endpoint has no path: \"" + endpoint + "\"");
        }
        return Path.of(path).toAbsolutePath();
    }
}
