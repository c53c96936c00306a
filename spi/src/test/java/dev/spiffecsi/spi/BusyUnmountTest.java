package dev.spiffecsi.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.spi.BusyUnmount.Outcome;
import dev.spiffecsi.spi.MountSyscalls.ErrnoException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Time is a counter the fake sleeper advances: nothing waits for real, and no assertion depends on the wall clock. */
class BusyUnmountTest {

    private static final Path TARGET = Path.of("/pods/volume");
    private static final long MS = 1_000_000L;

    private final FakeUmount mounts = new FakeUmount();
    private final List<Duration> sleeps = new ArrayList<>();
    private long now = 1_000 * MS;

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    private Outcome unmount(Duration timeout) throws IOException {
        return BusyUnmount.unmount(mounts, TARGET, timeout, () -> now, duration -> {
            sleeps.add(duration);
            now += duration.toNanos();
        });
    }

    @Test
    void retriesWhileBusyUntilTheUnmountSucceeds() throws IOException {
        mounts.fail(MountSyscalls.EBUSY, MountSyscalls.EBUSY, MountSyscalls.EBUSY);
        assertEquals(Outcome.UNMOUNTED, unmount(Duration.ofSeconds(2)));
        assertEquals(4, mounts.attempts);
        assertEquals(
                List.of(BusyUnmount.RETRY_INTERVAL, BusyUnmount.RETRY_INTERVAL, BusyUnmount.RETRY_INTERVAL), sleeps);
        assertEquals(
                List.of(MountSyscalls.UMOUNT_NOFOLLOW),
                mounts.flags.stream().distinct().toList());
    }

    @Test
    void notAMountPointCountsAsUnmounted() throws IOException {
        mounts.fail(MountSyscalls.EBUSY, MountSyscalls.EINVAL);
        assertEquals(Outcome.UNMOUNTED, unmount(Duration.ofSeconds(2)));
        mounts.fail(MountSyscalls.ENOENT);
        assertEquals(Outcome.UNMOUNTED, unmount(Duration.ofSeconds(2)));
        assertEquals(3, mounts.attempts);
    }

    @Test
    void anyOtherFailureIsThrownAtOnce() {
        mounts.fail(MountSyscalls.EBUSY, MountSyscalls.EPERM);
        ErrnoException e = assertThrows(ErrnoException.class, () -> unmount(Duration.ofSeconds(2)));
        assertEquals(MountSyscalls.EPERM, e.errno());
        assertEquals(2, mounts.attempts);
    }

    @Test
    void aZeroTimeoutTriesOnceAndDoesNotWait() throws IOException {
        mounts.alwaysBusy();
        assertEquals(Outcome.STILL_BUSY, unmount(Duration.ZERO));
        assertEquals(1, mounts.attempts);
        assertEquals(List.of(), sleeps);
    }

    @Test
    void aNegativeTimeoutIsAZeroTimeout() throws IOException {
        mounts.alwaysBusy();
        assertEquals(Outcome.STILL_BUSY, unmount(Duration.ofSeconds(-5)));
        assertEquals(Outcome.STILL_BUSY, unmount(Duration.ofSeconds(Long.MIN_VALUE))); // not "too long", forever
        assertEquals(2, mounts.attempts);
    }

    @Test
    void givesUpWhenTheTimeoutRunsOutAndWaitsNoLonger() throws IOException {
        mounts.alwaysBusy();
        assertEquals(Outcome.STILL_BUSY, unmount(Duration.ofMillis(50)));
        // attempts at 0, 20, 40 and 50 ms: the last pause is cut to what is left of the timeout
        assertEquals(List.of(Duration.ofMillis(20), Duration.ofMillis(20), Duration.ofMillis(10)), sleeps);
        assertEquals(4, mounts.attempts);
    }

    @Test
    void keepsRetryingWhenTheNanoTimeCounterWraps() throws IOException {
        now = Long.MAX_VALUE - 30 * MS; // start + timeout overflows: an absolute deadline would be in the past
        mounts.alwaysBusy();
        assertEquals(Outcome.STILL_BUSY, unmount(Duration.ofMillis(100)));
        assertEquals(6, mounts.attempts);
        assertEquals(Duration.ofMillis(100), sleeps.stream().reduce(Duration.ZERO, Duration::plus));
    }

    @Test
    void aTimeoutTooLongForNanosecondsIsForever() throws IOException {
        mounts.fail(MountSyscalls.EBUSY, MountSyscalls.EBUSY);
        assertEquals(Outcome.UNMOUNTED, unmount(Duration.ofSeconds(Long.MAX_VALUE)));
        assertEquals(3, mounts.attempts);
    }

    @Test
    void anInterruptStopsTheWaitAndKeepsTheFlag() throws IOException {
        mounts.alwaysBusy();
        Outcome outcome = BusyUnmount.unmount(mounts, TARGET, Duration.ofMinutes(1), () -> now, duration -> {
            throw new InterruptedException();
        });
        assertEquals(Outcome.INTERRUPTED, outcome);
        assertEquals(1, mounts.attempts);
        assertTrue(Thread.currentThread().isInterrupted());
    }

    @Test
    void theRealSleepIsInterruptible() throws IOException {
        mounts.alwaysBusy();
        Thread.currentThread().interrupt(); // Thread.sleep throws at once: the minute is never waited
        assertEquals(Outcome.INTERRUPTED, BusyUnmount.unmount(mounts, TARGET, Duration.ofMinutes(1)));
        assertTrue(Thread.currentThread().isInterrupted());
    }

    @Test
    void theRealClockGivesUpAfterAZeroTimeout() throws IOException {
        mounts.alwaysBusy();
        assertEquals(Outcome.STILL_BUSY, BusyUnmount.unmount(mounts, TARGET, Duration.ZERO));
        assertFalse(Thread.currentThread().isInterrupted());
    }

    /** umount2 fails with the queued errnos, one per call, then succeeds; everything else is unused here. */
    private static final class FakeUmount implements MountSyscalls {
        private final Deque<Integer> errnos = new ArrayDeque<>();
        private final List<Integer> flags = new ArrayList<>();
        private boolean alwaysBusy;
        private int attempts;

        void fail(Integer... queued) {
            errnos.addAll(List.of(queued));
        }

        void alwaysBusy() {
            alwaysBusy = true;
        }

        @Override
        public void umount2(Path target, int umountFlags) throws IOException {
            if (++attempts > 1_000) {
                throw new AssertionError("still retrying after " + attempts + " attempts");
            }
            flags.add(umountFlags);
            Integer errno = alwaysBusy ? Integer.valueOf(EBUSY) : errnos.poll();
            if (errno != null) {
                throw new ErrnoException("umount2", target, errno, "failed");
            }
        }

        @Override
        public void mount(String source, Path target, String fsType, long mountFlags, String data) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void bindWithAttributes(Path source, Path target, long attributes) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void bindWithAttributes(Path source, ResolvedTarget target, long attributes) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ResolvedTarget resolveBeneath(Path root, Path target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long mountFlags(Path path) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileStatus stat(Path path) {
            throw new UnsupportedOperationException();
        }
    }
}
