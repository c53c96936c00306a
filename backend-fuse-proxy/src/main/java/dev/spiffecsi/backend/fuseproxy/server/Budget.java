package dev.spiffecsi.backend.fuseproxy.server;

import java.util.concurrent.atomic.AtomicInteger;

/** A count of things held at a time (connections, calls) that refuses to go past its limit. Thread-safe. */
final class Budget {

    private final int limit;
    private final AtomicInteger held = new AtomicInteger();

    Budget(int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("the limit must be positive: " + limit);
        }
        this.limit = limit;
    }

    /** Takes one, unless the limit is reached; true if taken (then {@link #release} it exactly once). */
    boolean tryAcquire() {
        while (true) {
            int now = held.get();
            if (now >= limit) {
                return false;
            }
            if (held.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    void release() {
        held.decrementAndGet();
    }

    int held() {
        return held.get();
    }

    int limit() {
        return limit;
    }
}
