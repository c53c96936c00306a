package dev.spiffecsi.bench;

/**
 * One look at a process in /proc: resident set size and its high-water mark (VmRSS and VmHWM of
 * /proc/PID/status), the anonymous and file-backed parts of the RSS (RssAnon, RssFile: a JVM's file-backed part
 * is mostly libjvm and the CDS archive or AOT cache, shared with other processes mapping the same files), threads,
 * open file descriptors (entries of /proc/PID/fd), and the CPU time the process has used so far (utime + stime of
 * /proc/PID/stat): a figure that, unlike latency, another load on the machine hardly moves.
 */
public record ProcSample(
        long rssKiB, long hwmKiB, long rssAnonKiB, long rssFileKiB, int threads, int openFds, long cpuMillis) {

    /** The larger of each field: the peak of a series of samples. */
    public ProcSample max(ProcSample other) {
        return new ProcSample(
                Math.max(rssKiB, other.rssKiB),
                Math.max(hwmKiB, other.hwmKiB),
                Math.max(rssAnonKiB, other.rssAnonKiB),
                Math.max(rssFileKiB, other.rssFileKiB),
                Math.max(threads, other.threads),
                Math.max(openFds, other.openFds),
                Math.max(cpuMillis, other.cpuMillis));
    }

    /** The sum of each field, for a process and its children. */
    public ProcSample plus(ProcSample other) {
        return new ProcSample(
                rssKiB + other.rssKiB,
                hwmKiB + other.hwmKiB,
                rssAnonKiB + other.rssAnonKiB,
                rssFileKiB + other.rssFileKiB,
                threads + other.threads,
                openFds + other.openFds,
                cpuMillis + other.cpuMillis);
    }

    public double rssMiB() {
        return rssKiB / 1024.0;
    }

    public double hwmMiB() {
        return hwmKiB / 1024.0;
    }
}
