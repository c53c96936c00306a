package dev.spiffecsi.dev.agent;

import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A SPIFFE Workload API server on a Unix socket, for the demo and the tests. <strong>Not for production</strong>:
 * its CA and JWT keys exist only in memory and never rotate, it attests workloads by nothing but their Unix uid,
 * and it has no registration API, no federation protocol and no node attestation. Use SPIRE for anything real.
 *
 * <p>It serves FetchX509SVID, FetchX509Bundles, FetchJWTSVID, FetchJWTBundles and ValidateJWTSVID. Callers are
 * told apart by the kernel's peer credentials of their connection, matched against the registration entries.
 *
 * <p>With an admin socket it also serves SPIRE's Delegated Identity API there, to authorized delegates only: the
 * SVIDs of another workload, named by pid or by selectors, and every bundle the agent knows.
 *
 * <p>An agent can be closed and started again on the same sockets, as a restarting SPIRE agent; hand the restarted
 * one the same {@link DevAgentKeys} to keep the trust anchors.
 */
public final class DevAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DevAgent.class);
    /** How long closing waits for calls in progress before cancelling them. */
    private static final Duration GRACE = Duration.ofSeconds(5);

    /** The Workload API's, then the Delegated Identity API's if the agent serves it. */
    private final List<DevAgentSocketServer> servers;

    private final UpdateStreams streams;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;

    private DevAgent(
            List<DevAgentSocketServer> servers, UpdateStreams streams, EventLoopGroup boss, EventLoopGroup workers) {
        this.servers = List.copyOf(servers);
        this.streams = streams;
        this.boss = boss;
        this.workers = workers;
    }

    /** Creates new keys for the trust domains and serves the Workload API (and the admin API, if configured). */
    public static DevAgent start(DevAgentSettings settings) throws IOException {
        return start(settings, DevAgentKeys.create(settings));
    }

    /**
     * Serves the Workload API on {@code settings.socket()} (and the Delegated Identity API on
     * {@code settings.adminSocket()}, if set) with existing keys, such as those of an agent this one replaces.
     */
    public static DevAgent start(DevAgentSettings settings, DevAgentKeys keys) throws IOException {
        if (!keys.fit(settings)) {
            throw new IllegalArgumentException("the keys are for trust domains " + keys.trustDomains()
                    + ", the settings need " + settings.trustDomain() + " and " + settings.federatedDomains());
        }
        if (!Epoll.isAvailable()) {
            throw new IOException("netty epoll transport unavailable: " + Epoll.unavailabilityCause());
        }
        LOG.warn("the dev SPIFFE agent is for demos and tests only, never for production: its keys live in "
                + "memory and never rotate, and it attests workloads by Unix uid alone");
        Registrations registrations = new Registrations(settings.entries(), settings.defaultId());
        UpdateStreams streams = new UpdateStreams();
        ServerServiceDefinition workloadApi = ServerInterceptors.intercept(
                new WorkloadApiService(registrations, keys, settings.svidTtl(), streams),
                new WorkloadCallerInterceptor());
        ServerServiceDefinition adminApi = ServerInterceptors.intercept(
                new DelegatedIdentityService(new WorkloadLookup(registrations), keys, settings.svidTtl(), streams),
                new DelegateAuthorizer(registrations, settings.authorizedDelegates()));
        EventLoopGroup boss = new EpollEventLoopGroup(1);
        EventLoopGroup workers = new EpollEventLoopGroup(2);
        List<DevAgentSocketServer> started = new ArrayList<>();
        try {
            started.add(DevAgentSocketServer.start("the Workload API", settings.socket(), workloadApi, boss, workers));
            if (settings.adminSocket() != null) {
                started.add(DevAgentSocketServer.start(
                        "the Delegated Identity API", settings.adminSocket(), adminApi, boss, workers));
            }
        } catch (IOException | RuntimeException e) {
            stop(started, streams, boss, workers);
            throw e;
        }
        LOG.info(
                "dev SPIFFE agent serving the Workload API on unix://{}: trust domain {}, SVID TTL {}s, "
                        + "default identity {}, entries {}, federated trust domains {}",
                settings.socket(),
                settings.trustDomain(),
                settings.svidTtl().toSeconds(),
                settings.defaultId(),
                settings.entries(),
                settings.federatedDomains());
        if (settings.adminSocket() != null) {
            LOG.info(
                    "dev SPIFFE agent serving the Delegated Identity API on unix://{} to the delegates {}",
                    settings.adminSocket(),
                    settings.authorizedDelegates());
        }
        return new DevAgent(started, streams, boss, workers);
    }

    public Path socket() {
        return servers.getFirst().socket();
    }

    /** The socket of the Delegated Identity API, if the agent serves it. */
    public Optional<Path> adminSocket() {
        return servers.stream().skip(1).map(DevAgentSocketServer::socket).findFirst();
    }

    /** Blocks until the agent stops. */
    public void awaitTermination() throws InterruptedException {
        servers.getFirst().awaitTermination();
    }

    /** Refuses new calls, ends the open streams so their clients see a clean end, and removes the sockets. */
    @Override
    public void close() {
        stop(servers, streams, boss, workers);
    }

    private static void stop(
            List<DevAgentSocketServer> servers, UpdateStreams streams, EventLoopGroup boss, EventLoopGroup workers) {
        servers.forEach(DevAgentSocketServer::shutdown);
        streams.close();
        Instant deadline = Instant.now().plus(GRACE);
        servers.forEach(server -> server.finish(deadline));
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
