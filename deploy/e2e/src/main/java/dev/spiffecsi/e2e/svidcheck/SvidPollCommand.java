package dev.spiffecsi.e2e.svidcheck;

import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.dev.cli.CommandGroups;
import dev.spiffecsi.dev.cli.FlagValues;
import dev.spiffecsi.driver.cli.DescribedCommand;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.spiffe.workloadapi.Address;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc;
import io.spiffe.workloadapi.grpc.Workload.X509SVIDRequest;
import io.spiffe.workloadapi.grpc.Workload.X509SVIDResponse;
import io.spiffe.workloadapi.internal.SecurityHeaderInterceptor;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code svid-poll}: fetches the X.509-SVID again and again, each time over a new connection (so that a dead or
 * replaced socket shows at once, not after gRPC's reconnect backoff), and prints one line a second: how many
 * fetches succeeded and failed in that second, and the longest time between two successful fetches that ended in
 * it. The end-to-end tier runs it as a workload pod's main process across a driver upgrade and reads the lines to
 * measure the longest gap a polling client sees.
 */
public final class SvidPollCommand extends DescribedCommand {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final String USAGE = """
        Usage: spiffe-csi-driver svid-poll [flags]

        Fetches the X.509-SVID every -period over a new connection; prints once a second
        "poll t=EPOCH_MS ok=N failed=N longest=MS" (longest: the longest time between two successful fetches that
        ended in that second) and "fail t=EPOCH_MS STATUS" for the first failure of every outage. Runs until stopped.

          -socket ADDRESS   the Workload API, unix:///path; default $SPIFFE_ENDPOINT_SOCKET
          -period MS        time between fetches, default 150
        """;

    public SvidPollCommand() {
        super(
                "svid-poll",
                CommandGroups.DEVELOPMENT,
                "fetches the X.509-SVID every 150 ms and reports the longest gap (end-to-end tier)",
                USAGE);
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        FlagValues flags = FlagValues.parse(args, Set.of("socket", "period"), Set.of(), false);
        String address = flags.optional("socket")
                .or(() -> Optional.ofNullable(System.getenv(Address.SOCKET_ENV_VARIABLE)))
                .orElseThrow(() -> new ConfigException(
                        "flag -socket is required when " + Address.SOCKET_ENV_VARIABLE + " is not set"));
        long period = Long.parseLong(flags.optional("period").orElse("150"));
        DomainSocketAddress socket = new DomainSocketAddress(address.replaceFirst("^unix://", ""));
        EpollEventLoopGroup group = new EpollEventLoopGroup(1);
        long lastOk = -1;
        long second = System.currentTimeMillis() / 1000;
        int ok = 0;
        int failed = 0;
        long longest = 0;
        boolean failing = false;
        try {
            while (true) {
                Optional<String> failure = fetch(socket, group);
                long now = System.currentTimeMillis();
                if (failure.isEmpty()) {
                    ok++;
                    if (lastOk >= 0) {
                        longest = Math.max(longest, now - lastOk);
                    }
                    lastOk = now;
                    failing = false;
                } else {
                    failed++;
                    if (!failing) {
                        out.println("fail t=" + now + " " + failure.get());
                    }
                    failing = true;
                }
                if (now / 1000 != second) {
                    out.println("poll t=" + now + " ok=" + ok + " failed=" + failed + " longest=" + longest);
                    out.flush();
                    second = now / 1000;
                    ok = 0;
                    failed = 0;
                    longest = 0;
                }
                Thread.sleep(period);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_OK;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** One fetch over a new connection: empty when an X.509-SVID arrived, else what went wrong. */
    private static Optional<String> fetch(DomainSocketAddress socket, EpollEventLoopGroup group) {
        ManagedChannel channel = NettyChannelBuilder.forAddress(socket)
                .eventLoopGroup(group)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                // grpc sets SO_KEEPALIVE on every connection; a Unix socket has none, and netty warns each time
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .build();
        try {
            Iterator<X509SVIDResponse> stream = SpiffeWorkloadAPIGrpc.newBlockingStub(channel)
                    .withInterceptors(new SecurityHeaderInterceptor())
                    .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .fetchX509SVID(X509SVIDRequest.getDefaultInstance());
            if (!stream.hasNext()) {
                return Optional.of("stream ended without a response");
            }
            X509SVIDResponse response = stream.next();
            return response.getSvidsCount() == 0 ? Optional.of("a response without an SVID") : Optional.empty();
        } catch (StatusRuntimeException e) {
            return Optional.of(e.getStatus().getCode() + " " + e.getStatus().getDescription());
        } finally {
            channel.shutdownNow();
        }
    }
}
