package dev.spiffecsi.backend.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.DelegatedIdentityGrpc;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.SpiffeWorkloadAPIGrpc;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVIDRequest;
import dev.spiffecsi.backend.fuseproxy.testing.FakeDelegatedAgent;
import dev.spiffecsi.backend.fuseproxy.testing.WorkloadClient;
import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.contract.ContractFixture;
import dev.spiffecsi.spi.contract.Privileges;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures, and prints, how long a workload waits for its first X.509-SVID through the proxy (connect to the
 * volume's socket, FetchX509SVID, first message), against asking the agent directly (connect to the admin socket,
 * SubscribeToX509SVIDs, first message). Both sides use the same fake agent and the same client threads, so the
 * difference is the proxy's own cost: the extra hop (its own connection to the agent is already open), the peer
 * credentials and the join with the bundles. No timed assertion: a shared CI machine's
 * numbers are not a specification.
 */
class FirstSvidLatencyTest {

    private static final int WARM_UP = 30;
    private static final int ROUNDS = 100;

    @TempDir
    Path tempDir;

    @Test
    void printsTheFirstSvidLatencyThroughTheProxyAndDirect() throws Exception {
        Privileges.assumeCanMountPrivately();
        try (ContractFixture fixture = new ContractFixture(tempDir);
                FakeDelegatedAgent agent =
                        new FakeDelegatedAgent(fixture.socketDir().resolve("admin.sock"), "example.org").start()) {
            agent.registerPid(ProcessHandle.current().pid(), "spiffe://example.org/workload");
            Backend backend = new FuseProxyProvider()
                    .create(
                            ReferenceSettings.with(Map.of(
                                    "socket-name",
                                    ContractFixture.SOCKET_NAME,
                                    "admin-socket-path",
                                    agent.socket().toString(),
                                    "identity",
                                    "pid",
                                    "socket-mode",
                                    "0666",
                                    "unmount-busy-timeout",
                                    "1s",
                                    "agent-timeout",
                                    "5s",
                                    "files-publish-wait",
                                    "3s",
                                    // the caller is this test process, in no pod's cgroup
                                    "require-pod-cgroup",
                                    "false")),
                            fixture.context(fixture.socketDir(), new JnaMountSyscalls(), FuseProxyProvider.NAME));
            Path target = fixture.newTarget();
            backend.publish(
                    new PublishRequest("vol", target, true, new PodInfo("w", "default", "uid", "default"), Map.of()));
            Path shortDir = Files.createTempDirectory("lt"); // socket addresses are limited to 107 bytes
            Path socket =
                    Files.createSymbolicLink(shortDir.resolve("d"), target).resolve(ContractFixture.SOCKET_NAME);
            SubscribeToX509SVIDsRequest direct = SubscribeToX509SVIDsRequest.newBuilder()
                    .setPid((int) ProcessHandle.current().pid())
                    .build();
            EventLoopGroup eventLoops = new EpollEventLoopGroup(1);
            try {
                Callable<String> proxiedNewConnection = () -> {
                    ManagedChannel channel = channel(socket, eventLoops);
                    try {
                        return firstSvid(channel);
                    } finally {
                        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                    }
                };
                Callable<String> directNewConnection = () -> {
                    ManagedChannel channel = channel(agent.socket(), eventLoops);
                    try {
                        return firstSvid(channel, direct);
                    } finally {
                        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                    }
                };
                report("new connection", proxiedNewConnection, directNewConnection);

                ManagedChannel proxyChannel = channel(socket, eventLoops);
                ManagedChannel agentChannel = channel(agent.socket(), eventLoops);
                try {
                    report("open connection", () -> firstSvid(proxyChannel), () -> firstSvid(agentChannel, direct));
                } finally {
                    proxyChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                    agentChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            } finally {
                eventLoops.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
                backend.unpublish(new UnpublishRequest("vol", target, true));
                backend.close();
                Files.delete(socket.getParent());
                Files.delete(shortDir);
            }
        }
    }

    private static ManagedChannel channel(Path socket, EventLoopGroup eventLoops) {
        return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(eventLoops)
                .directExecutor()
                .usePlaintext()
                .build();
    }

    /** Through the proxy: the Workload API, with its security header. */
    private static String firstSvid(ManagedChannel channel) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER), "true");
        return WorkloadClient.first(() -> SpiffeWorkloadAPIGrpc.newBlockingStub(channel)
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                        .fetchX509SVID(X509SVIDRequest.getDefaultInstance()))
                .getSvids(0)
                .getSpiffeId();
    }

    /** Directly: the Delegated Identity API, on behalf of this process. */
    private static String firstSvid(ManagedChannel channel, SubscribeToX509SVIDsRequest request) {
        return WorkloadClient.first(
                        () -> DelegatedIdentityGrpc.newBlockingStub(channel).subscribeToX509SVIDs(request))
                .getX509Svids(0)
                .getX509Svid()
                .getId()
                .getPath();
    }

    private static void report(String connection, Callable<String> proxied, Callable<String> direct) throws Exception {
        List<Double> proxiedMillis = measure(proxied);
        List<Double> directMillis = measure(direct);
        System.out.printf(
                "first X.509-SVID, %s, %d rounds: through the proxy median %.2f ms, p90 %.2f ms; "
                        + "directly from the agent median %.2f ms, p90 %.2f ms%n",
                connection,
                ROUNDS,
                percentile(proxiedMillis, 50),
                percentile(proxiedMillis, 90),
                percentile(directMillis, 50),
                percentile(directMillis, 90));
    }

    private static List<Double> measure(Callable<String> fetch) throws Exception {
        for (int i = 0; i < WARM_UP; i++) {
            fetch.call();
        }
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            long start = System.nanoTime();
            String identity = fetch.call();
            millis.add((System.nanoTime() - start) / 1e6);
            assertEquals(false, identity.isEmpty());
        }
        Collections.sort(millis);
        return millis;
    }

    private static double percentile(List<Double> sorted, int percent) {
        return sorted.get(Math.min(sorted.size() - 1, sorted.size() * percent / 100));
    }
}
