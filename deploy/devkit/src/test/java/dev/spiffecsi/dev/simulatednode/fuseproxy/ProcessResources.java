package dev.spiffecsi.dev.simulatednode.fuseproxy;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * What this process holds that a leak would grow: its live Java threads and its open file descriptors. The driver
 * runs in the test's process, so these include the test's and JUnit's own: compare two snapshots taken at rest,
 * never absolute numbers. The JVM's compiler and GC threads, which come and go by themselves, are not live Java
 * threads and are not counted.
 */
record ProcessResources(int threads, long fileDescriptors) {

    private static final Path OWN_FDS = Path.of("/proc/self/fd");
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration REST = Duration.ofMillis(500);

    static ProcessResources now() throws IOException {
        try (Stream<Path> fds = Files.list(OWN_FDS)) { // the listing's own fd is counted in every snapshot alike
            return new ProcessResources(ManagementFactory.getThreadMXBean().getThreadCount(), fds.count());
        }
    }

    /**
     * This process's resources once two snapshots half a second apart agree, or after {@code patience}
     * as they are then: a baseline taken while connections and threads of earlier work are still ending would
     * hide as many leaked ones.
     */
    static ProcessResources atRest(Duration patience) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        ProcessResources previous = now();
        while (true) {
            Thread.sleep(REST.toMillis());
            ProcessResources current = now();
            if (current.equals(previous) || System.nanoTime() > deadline) {
                return current;
            }
            previous = current;
        }
    }

    /**
     * This process's resources once they are back within {@code tolerance} of {@code baseline}, each, or after
     * {@code patience} as they are then. Threads and connections end asynchronously after an unpublish (event
     * loops close their channels on their next turn), so a snapshot taken at once would count them still.
     */
    static ProcessResources settledNear(ProcessResources baseline, int tolerance, Duration patience)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        ProcessResources current = now();
        while (!current.within(baseline, tolerance) && System.nanoTime() < deadline) {
            Thread.sleep(POLL.toMillis());
            current = now();
        }
        return current;
    }

    /** No more than {@code tolerance} threads and file descriptors more than {@code baseline}, each. */
    boolean within(ProcessResources baseline, int tolerance) {
        return threads - baseline.threads <= tolerance && fileDescriptors - baseline.fileDescriptors <= tolerance;
    }

    @Override
    public String toString() {
        return threads + " threads, " + fileDescriptors + " file descriptors";
    }
}
