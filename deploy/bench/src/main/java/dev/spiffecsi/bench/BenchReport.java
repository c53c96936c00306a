package dev.spiffecsi.bench;

import java.util.List;
import java.util.Map;

/**
 * What {@code bench} measured; {@link ReportFormat} prints it as text or JSON.
 *
 * @param mountTableEntries entries of /proc/self/mountinfo when the measurement started (the bench's mount
 *                          namespace, which must be the driver's for the background mounts to matter)
 * @param interrupted       the run was cut short by a signal: the phases hold only the calls made until then
 * @param phases            publish, republish (when asked for) and unpublish, in that order
 * @param errors            the failed calls of every phase together, by code
 * @param memory            the driver's /proc samples; null without --pid
 */
public record BenchReport(
        String endpoint,
        Driver driver,
        String podsDir,
        Settings settings,
        int mountTableEntries,
        boolean interrupted,
        Map<String, PhaseResult> phases,
        Map<String, Integer> errors,
        Memory memory,
        Cleanup cleanup) {

    /** GetPluginInfo's answer. */
    public record Driver(String name, String vendorVersion) {}

    public record Settings(
            int volumes, int concurrency, boolean hold, int repeatPublish, int backgroundMounts, int warmup) {}

    /** The driver process before any call, the peak while the calls ran, and after the last unpublish. */
    public record Memory(long pid, ProcSample before, ProcSample peak, ProcSample after) {}

    /**
     * What was cleaned up: volumes the timed calls left published (failed calls), pod directories, background
     * mounts. {@code problems} is empty when everything is gone.
     */
    public record Cleanup(
            int volumesUnpublished, int podDirectoriesRemoved, int backgroundMountsRemoved, List<String> problems) {}

    /** Whether the run completed, every call succeeded and everything was cleaned up. */
    public boolean clean() {
        return !interrupted && errors.isEmpty() && cleanup.problems().isEmpty();
    }
}
