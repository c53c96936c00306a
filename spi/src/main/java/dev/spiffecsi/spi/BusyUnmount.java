package dev.spiffecsi.spi;

import dev.spiffecsi.spi.MountSyscalls.ErrnoException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Unmounts a mount that may be busy for a moment (a process leaving it, a listener being closed), retrying while
 * umount2(2) fails with EBUSY. What to do when it stays busy is the caller's: the outcome says why it stopped.
 */
public final class BusyUnmount {

    /**
     * The pause between attempts. A busy mount usually frees itself when a process exits or closes a file, so a short
     * pause ends the wait soon after; an attempt is one cheap system call.
     */
    public static final Duration RETRY_INTERVAL = Duration.ofMillis(20);

    /** Why {@link #unmount} stopped. */
    public enum Outcome {
        /** No mount is left at the target: this call unmounted it, or it was not (any more) a mount point. */
        UNMOUNTED,
        /** Still EBUSY when the timeout ran out. */
        STILL_BUSY,
        /** The thread was interrupted while waiting between attempts; its interrupt flag is set again. */
        INTERRUPTED
    }

    /** Waits between attempts; a seam for tests, which must not wait for real. */
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private BusyUnmount() {}

    /**
     * umount2({@code target}, {@link MountSyscalls#UMOUNT_NOFOLLOW}), retried every {@link #RETRY_INTERVAL} while it
     * fails with EBUSY, until {@code timeout} has passed since the first attempt. There is always one attempt, also
     * with a zero or negative timeout.
     *
     * @throws ErrnoException on any failure but EBUSY, EINVAL or ENOENT (the last two mean "not a mount point")
     */
    public static Outcome unmount(MountSyscalls mounts, Path target, Duration timeout) throws IOException {
        return unmount(mounts, target, timeout, System::nanoTime, Thread::sleep);
    }

    static Outcome unmount(MountSyscalls mounts, Path target, Duration timeout, LongSupplier nanoTime, Sleeper sleeper)
            throws IOException {
        long timeoutNanos = saturatedNanos(timeout);
        long start = nanoTime.getAsLong();
        while (true) {
            try {
                mounts.umount2(target, MountSyscalls.UMOUNT_NOFOLLOW);
                return Outcome.UNMOUNTED;
            } catch (ErrnoException e) {
                if (e.errno() == MountSyscalls.EINVAL || e.errno() == MountSyscalls.ENOENT) {
                    return Outcome.UNMOUNTED;
                }
                if (e.errno() != MountSyscalls.EBUSY) {
                    throw e;
                }
            }
            // elapsed time as a difference of two readings: correct even when the counter wraps past Long.MAX_VALUE
            long remaining = timeoutNanos - (nanoTime.getAsLong() - start);
            if (remaining <= 0) {
                return Outcome.STILL_BUSY;
            }
            try {
                sleeper.sleep(Duration.ofNanos(Math.min(remaining, RETRY_INTERVAL.toNanos())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Outcome.INTERRUPTED;
            }
        }
    }

    /** A timeout beyond ~292 years is as good as forever; below zero, as zero. */
    private static long saturatedNanos(Duration timeout) {
        if (timeout.isNegative()) {
            return 0;
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
