package dev.spiffecsi.dev.kubelet;

import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the kubelet retries a failed CSI call: after {@code initialDelay}, doubling each time up to {@code maxDelay}.
 * The kubelet itself never gives up; here the attempts are bounded so that a broken driver fails a demo or a test
 * instead of hanging it.
 */
public record RetryPolicy(Duration initialDelay, Duration maxDelay, int maxAttempts) {

    private static final Logger LOG = LoggerFactory.getLogger(RetryPolicy.class);

    public RetryPolicy {
        if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException(
                    "need 0 <= initialDelay <= maxDelay, got " + initialDelay + " and " + maxDelay);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
    }

    /** The kubelet's backoff (500 ms, doubling), capped at 8 s, 6 attempts: about 15 s before giving up. */
    public static RetryPolicy kubeletDefaults() {
        return new RetryPolicy(Duration.ofMillis(500), Duration.ofSeconds(8), 6);
    }

    public RetryPolicy withMaxAttempts(int attempts) {
        return new RetryPolicy(initialDelay, maxDelay, attempts);
    }

    /**
     * Calls {@code rpc} until it succeeds or the attempts are used up. Each failure that is retried is logged;
     * the last one is thrown, not logged, so that the caller reports it once.
     *
     * @param what the call and its subject, for messages ({@code NodePublishVolume for pod default/web})
     * @throws KubeletException with the last failure
     */
    public <T> T call(String what, Supplier<T> rpc) {
        for (int attempt = 1; ; attempt++) {
            try {
                return rpc.get();
            } catch (StatusRuntimeException e) {
                if (attempt >= maxAttempts) {
                    throw new KubeletException(
                            what + " failed after " + attempt + " attempt(s): "
                                    + e.getStatus().getCode() + ": "
                                    + e.getStatus().getDescription(),
                            e);
                }
                LOG.warn(
                        "{} failed (attempt {}/{}): {}: {}; retrying in {} ms",
                        what,
                        attempt,
                        maxAttempts,
                        e.getStatus().getCode(),
                        e.getStatus().getDescription(),
                        delayAfter(attempt).toMillis());
            }
            try {
                Thread.sleep(delayAfter(attempt));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KubeletException(what + " interrupted while waiting to retry", e);
            }
        }
    }

    /** The wait after failed attempt {@code attempt} (1-based): the initial delay, doubled each time, capped. */
    Duration delayAfter(int attempt) {
        Duration delay = initialDelay;
        for (int i = 1; i < attempt && delay.compareTo(maxDelay) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
    }
}
