package dev.spiffecsi.engine.testing;

import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.Health;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.VolumeCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend that publishes by writing a marker file into the target, so the engine's own logic (validation,
 * locking, idempotency, directory life cycle, state) can be tested without privileges. It can be told to fail
 * or to block inside publish.
 */
public final class FakeBackend implements Backend {

    public static final String MARKER = "published-by-fake";
    public static final String FOREIGN = "foreign-file";
    /** Next to the marker, this makes a publication BROKEN; a publish repairs it. */
    public static final String BROKEN = "broken";

    private final AtomicInteger publishCalls = new AtomicInteger();
    private final ConcurrentHashMap<Path, String> published = new ConcurrentHashMap<>();
    private volatile BackendException nextFailure;
    private volatile CountDownLatch entered;
    private volatile CountDownLatch release;
    private volatile boolean healthy = true;
    private volatile Path contentPath;
    private volatile PublishRequest lastPublished;

    @Override
    public TargetState inspect(Path target) {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return TargetState.ABSENT;
        }
        if (Files.exists(target.resolve(MARKER))) {
            return Files.exists(target.resolve(BROKEN)) ? TargetState.BROKEN : TargetState.PUBLISHED;
        }
        try (var entries = Files.list(target)) {
            return entries.findAny().isPresent() ? TargetState.FOREIGN : TargetState.ABSENT;
        } catch (IOException e) {
            return TargetState.FOREIGN;
        }
    }

    @Override
    public void publish(PublishRequest request) {
        publishCalls.incrementAndGet();
        lastPublished = request;
        if (entered != null) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        BackendException failure = nextFailure;
        if (failure != null) {
            nextFailure = null;
            throw failure;
        }
        try {
            Files.deleteIfExists(request.targetPath().resolve(BROKEN));
            Files.writeString(request.targetPath().resolve(MARKER), request.volumeId());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        published.put(request.targetPath(), request.volumeId());
    }

    @Override
    public void unpublish(UnpublishRequest request) {
        TargetState state = inspect(request.targetPath());
        if (state == TargetState.FOREIGN && !request.recorded()) {
            throw new BackendException(BackendException.Failure.TARGET_OCCUPIED, "foreign content");
        }
        try {
            // a recorded target with content this fake does not recognize stands for a stale publication of ours
            Files.deleteIfExists(request.targetPath().resolve(FOREIGN));
            Files.deleteIfExists(request.targetPath().resolve(BROKEN));
            Files.deleteIfExists(request.targetPath().resolve(MARKER));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        published.remove(request.targetPath());
    }

    @Override
    public VolumeCondition condition(Path target) {
        return inspect(target) == TargetState.PUBLISHED
                ? VolumeCondition.healthy("fake: published")
                : VolumeCondition.abnormal("fake: not published");
    }

    @Override
    public Health health() {
        return healthy ? Health.ready("fake ready") : Health.notReady("fake not ready");
    }

    /** The path every published volume's usage is read from, instead of its target; null for the target. */
    public void contentAt(Path path) {
        contentPath = path;
    }

    @Override
    public Path contentPath(Path target) {
        Path path = contentPath;
        return path == null ? target : path;
    }

    public void failNextPublish(BackendException failure) {
        nextFailure = failure;
    }

    /** The next publish calls block after entering until {@link #releasePublishes()}; returns the entry latch. */
    public CountDownLatch blockPublishes() {
        return blockPublishes(1);
    }

    /**
     * As {@link #blockPublishes()}; the entry latch opens once {@code callers} publish calls have entered, so that a
     * test can wait until that many threads are held inside the backend.
     */
    public CountDownLatch blockPublishes(int callers) {
        entered = new CountDownLatch(callers);
        release = new CountDownLatch(1);
        return entered;
    }

    public void releasePublishes() {
        release.countDown();
    }

    public void setHealthy(boolean healthy) {
        this.healthy = healthy;
    }

    /** The request of the last publish call, as the backend received it; null before the first. */
    public PublishRequest lastPublished() {
        return lastPublished;
    }

    public int publishCalls() {
        return publishCalls.get();
    }
}
