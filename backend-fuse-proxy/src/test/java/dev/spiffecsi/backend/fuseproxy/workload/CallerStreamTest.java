package dev.spiffecsi.backend.fuseproxy.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.spiffecsi.backend.fuseproxy.delegated.AgentClient;
import dev.spiffecsi.backend.fuseproxy.delegated.BundleFeed;
import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.delegated.SvidSubscriptions;
import dev.spiffecsi.backend.fuseproxy.peer.PeerProcess;
import dev.spiffecsi.backend.fuseproxy.server.SharedTransport;
import dev.spiffecsi.backend.fuseproxy.workload.proto.X509SVIDResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.Test;

/** One streaming call's bookkeeping in the shared bundle feed. */
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

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setOnCancelHandler(Runnable onCancelHandler) {
        }

        @Override
        public void setCompression(String compression) {
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setOnReadyHandler(Runnable onReadyHandler) {
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void onNext(M value) {
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {
        }
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
             AgentClient agent = new AgentClient(dir.resolve("absent.sock"), Duration.ofSeconds(5),
                     transport.eventLoops(), transport.calls(), scheduler);
             BundleFeed bundles = BundleFeed.x509(agent, log)) {
            bundles.watch(update -> {
            }); // another call's watcher: the feed is running
            assertEquals(1, watchers(bundles));
            for (int i = 0; i < 3; i++) {
                Responses<X509SVIDResponse> responses = new Responses<>();
                // a connection whose process has exited (a forked child kept it): the call is refused at once
                new CallerStream<>("FetchX509SVID", new Delegation.ByPid(4242, PeerProcess.EXITED),
                        WorkloadResponses.X509_SVIDS, new SvidSubscriptions(agent, "vol", log), bundles, responses,
                        new VolumeLabel("vol", dir), new RateLimitedLog(log, System.Logger.Level.INFO), log).start();
                assertNotNull(responses.error);
                assertEquals(Status.Code.PERMISSION_DENIED, Status.fromThrowable(responses.error).getCode());
            }
            // the ended calls must not stay in the shared feed (each would hold its call and be called forever)
            assertEquals(1, watchers(bundles));
        } finally {
            scheduler.shutdownNow();
            Files.deleteIfExists(dir);
        }
    }
}
