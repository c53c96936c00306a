package dev.spiffecsi.backend.fuseproxy.delegated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.server.SharedTransport;
import dev.spiffecsi.backend.fuseproxy.testing.FakeDelegatedAgent;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One subscription to the agent per caller, whatever the number of its calls, against a fake agent on a real Unix
 * socket (no root needed). The counts are the agent's own: what it was asked, and what is open at its end.
 */
class SvidSubscriptionsTest {

    private static final int OWN_PID = (int) ProcessHandle.current().pid();
    private static final System.Logger LOG = System.getLogger(SvidSubscriptionsTest.class.getName());

    @TempDir
    Path tempDir;

    private FakeDelegatedAgent agent;
    private SharedTransport transport;
    private AgentClient client;
    private SvidSubscriptions subscriptions;

    @BeforeEach
    void setUp() throws Exception {
        agent = new FakeDelegatedAgent(tempDir.resolve("admin.sock"), "example.org").start();
        agent.registerPid(OWN_PID, "spiffe://example.org/workload");
        transport = SharedTransport.start();
        client = new AgentClient(
                agent.socket(),
                Duration.ofSeconds(5),
                transport.eventLoops(),
                transport.calls(),
                transport.eventLoops());
        subscriptions = new SvidSubscriptions(client, "volume test", LOG);
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close();
        transport.close();
        agent.close();
    }

    /** Counts each member's updates and keeps its failure. */
    private static final class Member implements Resubscription.Listener<SubscribeToX509SVIDsResponse> {
        final CountDownLatch updated = new CountDownLatch(1);
        final BlockingQueue<Status> failures = new LinkedBlockingQueue<>();

        @Override
        public void onUpdate(SubscribeToX509SVIDsResponse update) {
            updated.countDown();
        }

        @Override
        public void onFailure(Status status) {
            failures.add(status);
        }

        void awaitUpdate() throws InterruptedException {
            assertTrue(updated.await(10, TimeUnit.SECONDS), "no update");
        }
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void thousandsOfCallsOfOneCallerShareOneSubscription() throws Exception {
        int calls = 5000;
        List<Member> members = new ArrayList<>();
        List<SvidSubscriptions.Share> shares = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            Member member = new Member();
            members.add(member);
            shares.add(subscriptions.join(new Delegation.ByPid(OWN_PID), member));
        }
        for (Member member : members) {
            member.awaitUpdate();
        }
        long joined = System.nanoTime();
        assertEquals(1, agent.x509SvidRequests().size(), "one subscription asked for");
        assertEquals(1, agent.openSvidStreams());
        assertEquals(1, subscriptions.open());

        shares.forEach(SvidSubscriptions.Share::leave);
        long left = System.nanoTime();
        eventually("the last to leave cancels the subscription", () -> agent.openSvidStreams() == 0);
        assertEquals(0, subscriptions.open());
        System.out.printf(
                "%d calls of one caller: joined and updated in %.0f ms, left in %.0f ms%n",
                calls, (joined - start) / 1e6, (left - joined) / 1e6);
    }

    @Test
    void eachCallerHasItsOwn() throws Exception {
        Member self = new Member();
        Member selectors = new Member();
        subscriptions.join(new Delegation.ByPid(OWN_PID), self);
        subscriptions.join(
                new Delegation.BySelectors(List.of(dev.spiffecsi.backend.fuseproxy.protocol.types.Selector.newBuilder()
                        .setType("k8s")
                        .setValue("ns:default")
                        .build())),
                selectors);
        self.awaitUpdate();
        selectors.awaitUpdate();
        assertEquals(
                2, agent.x509SvidRequests().size(), agent.x509SvidRequests().toString());
    }

    @Test
    void aPidWhoseFirstProcessExitedIsNotSharedWithTheProcessThatHasItNow() throws Exception {
        AtomicBoolean firstExited = new AtomicBoolean();
        Member first = new Member();
        subscriptions.join(new Delegation.ByPid(OWN_PID, firstExited::get), first);
        first.awaitUpdate();

        firstExited.set(true); // the pid may now name another process, which calls
        Member next = new Member();
        subscriptions.join(new Delegation.ByPid(OWN_PID, () -> false), next);
        next.awaitUpdate();
        assertEquals(2, agent.x509SvidRequests().size(), "the new process is asked for anew");
    }

    @Test
    void aCallWhoseProcessExitedGetsNothingFromItsPidsSubscription() throws Exception {
        Member running = new Member();
        subscriptions.join(new Delegation.ByPid(OWN_PID, () -> false), running);
        running.awaitUpdate();

        Member exited = new Member();
        subscriptions.join(new Delegation.ByPid(OWN_PID, () -> true), exited);
        Status failure = exited.failures.poll(10, TimeUnit.SECONDS);
        assertTrue(failure != null && AgentClient.isWorkloadExited(failure), String.valueOf(failure));
        assertEquals(1, exited.updated.getCount(), "no update reached it");
        assertEquals(1, agent.x509SvidRequests().size());
    }

    @Test
    void aFailedSubscriptionFailsItsCallsAndTheNextCallSubscribesAnew() throws Exception {
        Member first = new Member();
        // a process that has exited before the agent was asked: the subscription fails at once
        subscriptions.join(new Delegation.ByPid(OWN_PID, () -> true), first);
        assertTrue(AgentClient.isWorkloadExited(first.failures.poll(10, TimeUnit.SECONDS)));
        assertEquals(0, subscriptions.open(), "a failed subscription is not joined");

        Member next = new Member();
        subscriptions.join(new Delegation.ByPid(OWN_PID), next);
        next.awaitUpdate();
    }

    @Test
    void thousandsOfBundleWatchersComeAndGo() throws Exception {
        try (BundleFeed feed = BundleFeed.x509(client, LOG)) {
            int watchers = 20_000;
            AtomicInteger delivered = new AtomicInteger();
            List<Consumer<Map<String, ByteString>>> added = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < watchers; i++) {
                AtomicBoolean seen = new AtomicBoolean();
                Consumer<Map<String, ByteString>> watcher = bundles -> {
                    if (seen.compareAndSet(false, true)) {
                        delivered.incrementAndGet();
                    }
                };
                added.add(watcher);
                feed.watch(watcher);
            }
            eventually("every watcher has the bundles", () -> delivered.get() == watchers);
            long watched = System.nanoTime();
            added.forEach(feed::unwatch);
            long unwatched = System.nanoTime();
            assertEquals(0, feed.watchers());
            System.out.printf(
                    "%d bundle watchers: added and served in %.0f ms, removed in %.0f ms%n",
                    watchers, (watched - start) / 1e6, (unwatched - watched) / 1e6);
        }
    }
}
