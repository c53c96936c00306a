package dev.spiffecsi.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * What {@code bench-suite} measured.
 *
 * @param jvm         the driver's Java binary and JVM options, as its launcher started it
 * @param startup     the start-up runs; null when none were asked for
 * @param idle        the driver's /proc sample before any volume call (after it settled)
 * @param storms      one report per storm round
 * @param afterStorms after the last storm (settled)
 * @param crowded     the sequential phase with unrelated mounts; null when none were asked for
 * @param end         after the sequential phases
 * @param exitCode    the driver's exit code after SIGTERM (0: graceful)
 */
public record SuiteReport(
        SuiteOptions options,
        int cpus,
        List<String> jvm,
        StartupBench.Report startup,
        ProcSample idle,
        List<BenchReport> storms,
        ProcSample afterStorms,
        BenchReport sequential,
        BenchReport crowded,
        ProcSample end,
        int exitCode) {

    /** One table: the latency of every phase, then memory and start-up. */
    public String text() {
        StringBuilder text = new StringBuilder();
        text.append(String.format(
                Locale.ROOT,
                "backend %s, %d CPUs, state directory on %s; driver JVM: %s%n%n",
                options.backend(),
                cpus,
                options.stateOnDisk() ? "disk" : "tmpfs",
                String.join(" ", jvm)));
        text.append(String.format(
                Locale.ROOT,
                "%-34s %9s %9s %9s %8s %9s%n",
                "phase",
                "p50 ms",
                "p99 ms",
                "max ms",
                "wall s",
                "ok/calls"));
        for (int round = 0; round < storms.size(); round++) {
            BenchReport storm = storms.get(round);
            String name = String.format(
                    Locale.ROOT,
                    "storm %d (%dx%d held) ",
                    round + 1,
                    storm.settings().volumes(),
                    storm.settings().concurrency());
            storm.phases().forEach((phase, result) -> row(text, name + phase, result));
        }
        sequential.phases().forEach((phase, result) -> row(text, "sequential " + phase, result));
        Optional.ofNullable(crowded)
                .ifPresent(report -> report.phases()
                        .forEach((phase, result) -> row(
                                text,
                                String.format(
                                        Locale.ROOT,
                                        "%,d mounts %s",
                                        report.settings().backgroundMounts(),
                                        phase),
                                result)));
        text.append('\n');
        text.append(String.format(
                Locale.ROOT, "%-34s %9s %9s %9s %9s %8s%n", "memory", "RSS MiB", "anon", "file", "HWM MiB", "threads"));
        memory(text, "idle (ready, before any volume)", idle);
        memory(text, "after " + storms.size() + " storms", afterStorms);
        memory(text, "at the end", end);
        text.append(String.format(
                Locale.ROOT,
                "%ndriver CPU per volume (utime + stime): storms %s ms (publish, "
                        + "replay and unpublish); sequential %.2f ms (publish and unpublish)%n",
                range(storms, SuiteReport::cpuPerVolume),
                cpuPerVolume(sequential)));
        Optional.ofNullable(startup)
                .ifPresent(report -> text.append(String.format(
                        Locale.ROOT,
                        "%nstart-up to ready: median %.0f ms (min %.0f, max %.0f) over %d runs; RSS at ready %.1f MiB%n",
                        report.readyMs().median(),
                        report.readyMs().min(),
                        report.readyMs().max(),
                        report.runs().size(),
                        report.rssMiB().median())));
        text.append(String.format(
                Locale.ROOT,
                "storm publish across rounds: p50 %s ms, p99 %s ms; " + "driver exit code after SIGTERM: %d%n",
                range(storms, r -> r.phases().get(StormBench.PUBLISH).latency().p50Ms()),
                range(storms, r -> r.phases().get(StormBench.PUBLISH).latency().p99Ms()),
                exitCode));
        return text.toString();
    }

    /** The driver's CPU time over a run, per volume (every call made for it); NaN without samples. */
    static double cpuPerVolume(BenchReport report) {
        BenchReport.Memory memory = report.memory();
        return memory == null
                ? Double.NaN
                : (memory.after().cpuMillis() - memory.before().cpuMillis())
                        / (double) report.settings().volumes();
    }

    private static void row(StringBuilder text, String name, PhaseResult result) {
        LatencySummary latency = result.latency();
        text.append(String.format(
                Locale.ROOT,
                "%-34s %9s %9s %9s %8.2f %9s%n",
                name,
                ms(latency.p50Ms()),
                ms(latency.p99Ms()),
                ms(latency.maxMs()),
                result.wallMs() / 1000.0,
                result.ok() + "/" + result.attempted()));
    }

    private static void memory(StringBuilder text, String name, ProcSample sample) {
        text.append(String.format(
                Locale.ROOT,
                "%-34s %9.1f %9.1f %9.1f %9.1f %8d%n",
                name,
                sample.rssMiB(),
                sample.rssAnonKiB() / 1024.0,
                sample.rssFileKiB() / 1024.0,
                sample.hwmMiB(),
                sample.threads()));
    }

    private static String ms(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.2f", value);
    }

    private static String range(List<BenchReport> storms, Function<BenchReport, Double> value) {
        List<Double> values = new ArrayList<>();
        storms.forEach(storm -> values.add(value.apply(storm)));
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        return String.format(Locale.ROOT, min < 10 ? "%.2f–%.2f" : "%.1f–%.1f", min, max);
    }
}
