package dev.spiffecsi.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Locale;
import java.util.Map;

/** Prints reports as text for people or as JSON for scripts. */
public final class ReportFormat {

    private static final ObjectMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private ReportFormat() {}

    public static String json(Object report) {
        try {
            return JSON.writeValueAsString(report) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a report is always serializable", e);
        }
    }

    public static String text(BenchReport report) {
        StringBuilder text = new StringBuilder();
        BenchReport.Settings s = report.settings();
        text.append(String.format(
                Locale.ROOT,
                "driver     %s %s at %s%n",
                report.driver().name(),
                report.driver().vendorVersion(),
                report.endpoint()));
        text.append(String.format(Locale.ROOT, "pods dir   %s%n", report.podsDir()));
        text.append(String.format(
                Locale.ROOT,
                "storm      %d volumes, concurrency %d, %s, repeat-publish %d, "
                        + "warm-up %d, %d background mounts (%d entries in the mount table)%n%n",
                s.volumes(),
                s.concurrency(),
                s.hold()
                        ? "held (all published, then all unpublished)"
                        : "not held (each unpublished after its publish)",
                s.repeatPublish(),
                s.warmup(),
                s.backgroundMounts(),
                report.mountTableEntries()));
        if (report.interrupted()) {
            text.append("INTERRUPTED: the phases below hold only the calls made before the signal\n\n");
        }
        text.append(String.format(
                Locale.ROOT,
                "%-10s %9s %9s %9s %9s %9s %9s %9s %10s%n",
                "phase",
                "ok/calls",
                "min ms",
                "mean ms",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "max ms",
                "ops/s"));
        for (PhaseResult phase : report.phases().values()) {
            LatencySummary l = phase.latency();
            text.append(String.format(
                    Locale.ROOT,
                    "%-10s %9s %9s %9s %9s %9s %9s %9s %10s%n",
                    phase.name(),
                    phase.ok() + "/" + phase.attempted(),
                    ms(l.minMs()),
                    ms(l.meanMs()),
                    ms(l.p50Ms()),
                    ms(l.p90Ms()),
                    ms(l.p99Ms()),
                    ms(l.maxMs()),
                    phase.throughputPerSecond() == null
                            ? "-"
                            : String.format(Locale.ROOT, "%.0f", phase.throughputPerSecond())));
        }
        text.append(String.format(
                Locale.ROOT, "%nerrors     %s%n", report.errors().isEmpty() ? "none" : codes(report.errors())));
        BenchReport.Memory memory = report.memory();
        if (memory != null) {
            text.append(String.format(
                    Locale.ROOT,
                    "%nprocess %-6d %8s %8s %8s %8s %8s %8s%n",
                    memory.pid(),
                    "RSS MiB",
                    "anon",
                    "file",
                    "HWM MiB",
                    "threads",
                    "fds"));
            sample(text, "before", memory.before());
            sample(text, "peak", memory.peak());
            sample(text, "after", memory.after());
        }
        BenchReport.Cleanup cleanup = report.cleanup();
        text.append(String.format(
                Locale.ROOT,
                "%ncleanup    %d pod directories removed, %d background mounts "
                        + "removed, %d volumes unpublished after failed calls; %s%n",
                cleanup.podDirectoriesRemoved(),
                cleanup.backgroundMountsRemoved(),
                cleanup.volumesUnpublished(),
                cleanup.problems().isEmpty() ? "nothing left" : "PROBLEMS: " + cleanup.problems()));
        return text.toString();
    }

    private static void sample(StringBuilder text, String label, ProcSample sample) {
        if (sample == null) {
            return;
        }
        text.append(String.format(
                Locale.ROOT,
                "  %-12s %8.1f %8.1f %8.1f %8.1f %8d %8d%n",
                label,
                sample.rssMiB(),
                sample.rssAnonKiB() / 1024.0,
                sample.rssFileKiB() / 1024.0,
                sample.hwmMiB(),
                sample.threads(),
                sample.openFds()));
    }

    private static String ms(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.3f", value);
    }

    private static String codes(Map<String, Integer> errors) {
        StringBuilder text = new StringBuilder();
        errors.forEach((code, count) ->
                text.append(text.isEmpty() ? "" : ", ").append(code).append(' ').append(count));
        return text.toString();
    }
}
