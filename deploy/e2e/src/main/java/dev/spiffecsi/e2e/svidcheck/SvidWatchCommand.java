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
 * {@code svid-watch}: holds one FetchX509SVID stream open and prints {@code Update: SPIFFE-ID} for every response;
 * when the stream ends, cleanly or with an error, it says so and opens it again, as go-spiffe's clients do. The
 * end-to-end tier's workload pods run it as their main process: the long-lived stream that must carry on when
 * the driver's pod (and the agent in it) is replaced. java-spiffe's own watch (the example workload) stops for good
 * at a clean end of the stream, which the dev agent gives when it stops, so it cannot show that.
 */
public final class SvidWatchCommand extends DescribedCommand {

    private static final Duration REOPEN = Duration.ofSeconds(1);
    private static final String USAGE = """
        Usage: spiffe-csi-driver svid-watch [flags]

        Holds a Workload API X.509-SVID stream open and prints "Update: SPIFFE-ID" for every update; reopens the
        stream whenever it ends. Runs until stopped.

          -socket ADDRESS   the Workload API, unix:///path; default $SPIFFE_ENDPOINT_SOCKET
        """;

    public SvidWatchCommand() {
        super(
                "svid-watch",
                CommandGroups.DEVELOPMENT,
                "holds a Workload API stream open, reopening it when it ends (end-to-end tier)",
                USAGE);
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        FlagValues flags = FlagValues.parse(args, Set.of("socket"), Set.of(), false);
        String address = flags.optional("socket")
                .or(() -> Optional.ofNullable(System.getenv(Address.SOCKET_ENV_VARIABLE)))
                .orElseThrow(() -> new ConfigException(
                        "flag -socket is required when " + Address.SOCKET_ENV_VARIABLE + " is not set"));
        EpollEventLoopGroup group = new EpollEventLoopGroup(1);
        ManagedChannel channel = NettyChannelBuilder.forAddress(
                        new DomainSocketAddress(address.replaceFirst("^unix://", "")))
                .eventLoopGroup(group)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                // grpc sets SO_KEEPALIVE on every connection; a Unix socket has none, and netty warns each time
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .build();
        SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub stub =
                SpiffeWorkloadAPIGrpc.newBlockingStub(channel).withInterceptors(new SecurityHeaderInterceptor());
        try {
            while (true) {
                try {
                    Iterator<X509SVIDResponse> stream = stub.fetchX509SVID(X509SVIDRequest.getDefaultInstance());
                    while (stream.hasNext()) {
                        X509SVIDResponse response = stream.next();
                        out.println("Update: "
                                + (response.getSvidsCount() == 0
                                        ? "(no SVID)"
                                        : response.getSvids(0).getSpiffeId()));
                        out.flush();
                    }
                    out.println("stream ended cleanly; reopening");
                } catch (StatusRuntimeException e) {
                    out.println("stream ended: " + e.getStatus().getCode() + " "
                            + e.getStatus().getDescription() + "; reopening");
                }
                out.flush();
                Thread.sleep(REOPEN);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_OK;
        } finally {
            channel.shutdownNow();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
