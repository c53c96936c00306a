package dev.spiffecsi.backend.fuseproxy.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.spiffecsi.backend.fuseproxy.delegated.AgentClient;
import dev.spiffecsi.backend.fuseproxy.delegated.BundleFeed;
import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.delegated.Resubscription;
import dev.spiffecsi.backend.fuseproxy.delegated.SvidSubscriptions;
import dev.spiffecsi.backend.fuseproxy.peer.PeerProcess;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVIDResponse;
import dev.spiffecsi.backend.fuseproxy.server.SharedTransport;
import dev.spiffecsi.backend.fuseproxy.testing.FakeDelegatedAgent;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** One streaming call's bookkeeping: in the shared bundle feed, and for a client that does not read. */
class CallerStreamTest {

    /** Runs {@code execute} at once on the calling thread: the agent client's thread winning the race. */
    private static final class InlineScheduler extends ScheduledThreadPoolExecutor {
        InlineScheduler() {
            super(1);
        }

        @Override
        public void execute(Runnable command) {
            command.run();
        }
    }

    /** The server side of a workload's call: records how it ended. */
    private static final class Responses<M> extends ServerCallStreamObserver<M> {
        volatile Throwable error;
        volatile boolean ready = true;
        volatile Runnable onReady;
        final List<M> sent = new CopyOnWriteArrayList<>();

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setOnCancelHandler(Runnable onCancelHandler) {}

        @Override
        public void setCompression(String compression) {}

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void setOnReadyHandler(Runnable onReadyHandler) {
            onReady = onReadyHandler;
        }

        @Override
        public void request(int count) {}

        @Override
        public void setMessageCompression(boolean enable) {}

        @Override
        public void disableAutoInboundFlowControl() {}

        @Override
        public void onNext(M value) {
            sent.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {}
    }

    private static int watchers(BundleFeed feed) throws ReflectiveOperationException {
        Field field = BundleFeed.class.getDeclaredField("watchers");
        field.setAccessible(true);
        return ((Set<?>) field.get(feed)).size();
    }

    @Test
    void aCallThatFailsBeforeItsBundleWatchIsInstalledLeavesNoWatcherBehind() throws Exception {
        System.Logger log = System.getLogger(CallerStreamTest.class.getName());
        Path dir = Files.createTempDirectory("cs");
        InlineScheduler scheduler = new InlineScheduler();
        try (SharedTransport transport = SharedTransport.start();
                AgentClient agent = new AgentClient(
                        dir.resolve("absent.sock"),
                        Duration.ofSeconds(5),
                        transport.eventLoops(),
                        transport.calls(),
                        scheduler);
                BundleFeed bundles = BundleFeed.x509(agent, log)) {
            bundles.watch(update -> {}); // another call's watcher: the feed is running
            assertEquals(1, watchers(bundles));
            for (int i = 0; i < 3; i++) {
                Responses<X509SVIDResponse> responses = new Responses<>();
                // a connection whose process has exited (a forked child kept it): the call is refused at once
                new CallerStream<>(
                                "FetchX509SVID",
                                new Delegation.ByPid(4242, PeerProcess.EXITED),
                                WorkloadResponses.X509_SVIDS,
                                new SvidSubscriptions(agent, "vol", log),
                                bundles,
                                responses,
                                new VolumeLabel("vol", dir),
                                new RateLimitedLog(log, System.Logger.Level.INFO),
                                log)
                        .start();
                assertNotNull(responses.error);
                assertEquals(
                        Status.Code.PERMISSION_DENIED,
                        Status.fromThrowable(responses.error).getCode());
            }
            // the ended calls must not stay in the shared feed (each would hold its call and be called forever)
            assertEquals(1, watchers(bundles));
        } finally {
            scheduler.shutdownNow();
            Files.deleteIfExists(dir);
        }
    }

    /** A client that never reads: its stream is not ready, and the SVIDs rotate meanwhile. */
    @Test
    void aClientThatDoesNotReadIsHeldOneMessageNotOnePerRotation() throws Exception {
        System.Logger log = System.getLogger(CallerStreamTest.class.getName());
        Path dir = Files.createTempDirectory("cs");
        int pid = (int) ProcessHandle.current().pid();
        try (FakeDelegatedAgent fake = new FakeDelegatedAgent(dir.resolve("admin.sock"), "example.org").start();
                SharedTransport transport = SharedTransport.start();
                AgentClient agent = new AgentClient(
                        fake.socket(),
                        Duration.ofSeconds(5),
                        transport.eventLoops(),
                        transport.calls(),
                        transport.eventLoops());
                BundleFeed bundles = BundleFeed.x509(agent, log)) {
            fake.registerPid(pid, "spiffe://example.org/workload");
            SvidSubscriptions subscriptions = new SvidSubscriptions(agent, "vol", log);
            Responses<X509SVIDResponse> responses = new Responses<>();
            responses.ready = false;
            new CallerStream<>(
                            "FetchX509SVID",
                            new Delegation.ByPid(pid),
                            WorkloadResponses.X509_SVIDS,
                            subscriptions,
                            bundles,
                            responses,
                            new VolumeLabel("vol", dir),
                            new RateLimitedLog(log, System.Logger.Level.INFO),
                            log)
                    .start();
            // another call of the same caller, sharing the subscription: it shows what the stream was given
            AtomicInteger updates = new AtomicInteger();
            subscriptions.join(new Delegation.ByPid(pid), new Resubscription.Listener<>() {
                @Override
                public void onUpdate(SubscribeToX509SVIDsResponse update) {
                    updates.incrementAndGet();
                }

                @Override
                public void onFailure(Status status) {}
            });
            waitFor(() -> updates.get() == 1);
            int rotations = 20;
            for (int i = 0; i < rotations; i++) {
                fake.rotate();
            }
            // an update reaches the members one after the other: once the witness has the update after the last
            // rotation, the stream has had every rotation
            fake.rotate();
            waitFor(() -> updates.get() == rotations + 2);
            assertEquals(0, responses.sent.size(), "nothing written to a stream that is not ready");

            responses.ready = true;
            responses.onReady.run();
            assertEquals(1, responses.sent.size(), "the newest, once the client reads");
            responses.onReady.run();
            assertEquals(1, responses.sent.size(), "and only once");
            fake.rotate();
            waitFor(() -> responses.sent.size() == 2);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s");
            }
            Thread.sleep(10);
        }
    }
}
