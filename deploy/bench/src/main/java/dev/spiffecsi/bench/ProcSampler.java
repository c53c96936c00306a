package dev.spiffecsi.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Samples a process's memory, threads and file descriptors from /proc, once ({@link #sample}) or in the background
 * to find the peak ({@link #watch}). Reading another user's /proc/PID/fd needs root (or the same user).
 */
public final class ProcSampler {

    private ProcSampler() {}

    /**
     * Samples process {@code pid} now.
     *
     * @throws IOException when the process does not exist (any more) or its /proc entries are unreadable
     */
    public static ProcSample sample(long pid) throws IOException {
        Path proc = Path.of("/proc", Long.toString(pid));
        long rss = -1;
        long hwm = -1;
        long anon = 0;
        long file = 0;
        int threads = -1;
        for (String line : Files.readAllLines(proc.resolve("status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = kib(line);
            } else if (line.startsWith("VmHWM:")) {
                hwm = kib(line);
            } else if (line.startsWith("RssAnon:")) {
                anon = kib(line);
            } else if (line.startsWith("RssFile:")) {
                file = kib(line);
            } else if (line.startsWith("Threads:")) {
                threads = Integer.parseInt(line.substring("Threads:".length()).trim());
            }
        }
        if (rss < 0 || hwm < 0 || threads < 0) {
            throw new IOException(
                    proc.resolve("status") + " lacks VmRSS, VmHWM or Threads (a zombie or a kernel " + "thread?)");
        }
        int fds = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path ignored : entries) {
                fds++;
            }
        }
        return new ProcSample(rss, hwm, anon, file, threads, fds, cpuMillis(proc));
    }

    /** /proc's CPU times are in USER_HZ, which Linux fixes at 100 per second for user space. */
    private static final long MILLIS_PER_TICK = 10;

    /** utime + stime of /proc/PID/stat (fields 14 and 15), in milliseconds. */
    static long cpuMillis(Path proc) throws IOException {
        String stat = Files.readString(proc.resolve("stat"));
        // the command name (field 2) is in parentheses and may hold spaces: count fields after its last ')'
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * MILLIS_PER_TICK;
    }

    /** Samples {@code pid} every {@code interval} on a daemon thread until closed; see {@link Watch#peak()}. */
    public static Watch watch(long pid, Duration interval) throws IOException {
        return new Watch(pid, interval, sample(pid));
    }

    /** A background sampler; its peak is the maximum of every field over every sample, the first included. */
    public static final class Watch implements AutoCloseable {

        private final long pid;
        private final AtomicReference<ProcSample> peak;
        private final AtomicReference<IOException> failure = new AtomicReference<>();
        private final Thread thread;
        private volatile boolean running = true;

        private Watch(long pid, Duration interval, ProcSample first) {
            this.pid = pid;
            this.peak = new AtomicReference<>(first);
            this.thread = Thread.ofPlatform()
                    .daemon()
                    .name("bench-proc-sampler")
                    .start(() -> {
                        while (running) {
                            takeSample();
                            try {
                                Thread.sleep(interval);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    });
        }

        private void takeSample() {
            try {
                ProcSample now = sample(pid);
                peak.accumulateAndGet(now, ProcSample::max);
            } catch (IOException e) {
                failure.compareAndSet(null, e);
            }
        }

        /** The peak so far, including a sample taken now. */
        public ProcSample peak() {
            takeSample();
            return peak.get();
        }

        /** The first failure to sample (the process died?), if any. */
        public IOException failure() {
            return failure.get();
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
            try {
                thread.join(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static long kib(String line) {
        // "VmRSS:	   12345 kB"
        String value = line.substring(line.indexOf(':') + 1).trim();
        int space = value.indexOf(' ');
        return Long.parseLong(space < 0 ? value : value.substring(0, space));
    }
}
