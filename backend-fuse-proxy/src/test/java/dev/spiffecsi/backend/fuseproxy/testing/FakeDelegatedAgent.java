package dev.spiffecsi.backend.fuseproxy.testing;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.DelegatedIdentityGrpc;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.FetchJWTSVIDsRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.FetchJWTSVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToJWTBundlesRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToJWTBundlesResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509BundlesRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509BundlesResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.X509SVIDWithKey;
import dev.spiffecsi.backend.fuseproxy.protocol.types.JWTSVID;
import dev.spiffecsi.backend.fuseproxy.protocol.types.SPIFFEID;
import dev.spiffecsi.backend.fuseproxy.protocol.types.Selector;
import dev.spiffecsi.backend.fuseproxy.protocol.types.X509SVID;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A SPIRE agent's Delegated Identity API on a Unix socket, for tests: it issues real X.509-SVIDs (a new leaf on
 * every subscription) and JWT-SVIDs to registration entries that match a pid or a set of selectors (subset
 * matching, as SPIRE does), and streams the bundles of every trust domain it knows, including ones no entry
 * federates with. It can be stopped and started again on the same socket, as an agent restart.
 */
public final class FakeDelegatedAgent implements AutoCloseable {

    /** A registration entry: who (pid, or selectors all of which must be present) gets which SPIFFE ID. */
    private record Entry(int pid, Set<String> selectors, String spiffeId, List<String> federatesWith) {}

    private final Path socket;
    private final EventLoopGroup eventLoops = new EpollEventLoopGroup(1);
    private final Map<String, TrustDomainAuthority> authorities = new ConcurrentHashMap<>();
    private final List<Entry> entries = new CopyOnWriteArrayList<>();
    private final AtomicInteger openSvidStreams = new AtomicInteger();
    private volatile TrustDomainAuthority.JwksFormat jwksFormat = TrustDomainAuthority.JwksFormat.SPIRE_DELEGATED;
    private volatile Duration jwtLifetime = Duration.ofMinutes(5);
    private final AtomicInteger jwtSvidsIssued = new AtomicInteger();
    /** The open SubscribeToX509SVIDs streams, each with what it asked for, so that {@link #rotate} reaches them. */
    private final Map<StreamObserver<SubscribeToX509SVIDsResponse>, SubscribeToX509SVIDsRequest> svidStreams =
            new ConcurrentHashMap<>();

    private final List<String> x509SvidRequests = new CopyOnWriteArrayList<>();
    private Server server;

    public FakeDelegatedAgent(Path socket, String... trustDomains) {
        this.socket = socket;
        for (String trustDomain : trustDomains) {
            authority(trustDomain);
        }
    }

    public Path socket() {
        return socket;
    }

    /** How the JWT bundles are written from now on (SPIRE's delegated format by default). */
    public FakeDelegatedAgent jwksFormat(TrustDomainAuthority.JwksFormat format) {
        this.jwksFormat = format;
        return this;
    }

    public TrustDomainAuthority authority(String trustDomain) {
        return authorities.computeIfAbsent(trustDomain, TrustDomainAuthority::new);
    }

    public FakeDelegatedAgent registerPid(long pid, String spiffeId, String... federatesWith) {
        entries.add(new Entry((int) pid, Set.of(), spiffeId, List.of(federatesWith)));
        authority(URI.create(spiffeId).getHost());
        return this;
    }

    public FakeDelegatedAgent registerSelectors(Set<String> selectors, String spiffeId, String... federatesWith) {
        entries.add(new Entry(0, Set.copyOf(selectors), spiffeId, List.of(federatesWith)));
        authority(URI.create(spiffeId).getHost());
        return this;
    }

    /** How long the JWT-SVIDs issued from now on are valid (5 minutes by default). */
    public FakeDelegatedAgent jwtLifetime(Duration lifetime) {
        this.jwtLifetime = lifetime;
        return this;
    }

    /** How many JWT-SVIDs FetchJWTSVIDs has issued. */
    public int jwtSvidsIssued() {
        return jwtSvidsIssued.get();
    }

    /**
     * Sends every open SubscribeToX509SVIDs stream a freshly issued set, with new keys, for the entries that match it
     * now (so an entry registered since reaches it), as an agent does when it rotates SVIDs.
     */
    public void rotate() {
        svidStreams.forEach((stream, request) -> {
            synchronized (stream) {
                try {
                    stream.onNext(issue(matching(request.getPid(), request.getSelectorsList())));
                } catch (IllegalStateException e) {
                    svidStreams.remove(stream); // cancelled meanwhile
                }
            }
        });
    }

    /** SubscribeToX509SVIDs streams open now. */
    public int openSvidStreams() {
        return openSvidStreams.get();
    }

    /** How each SubscribeToX509SVIDs named its workload: "pid 42" or "selectors [k8s:ns:default, ...]". */
    public List<String> x509SvidRequests() {
        return x509SvidRequests;
    }

    public synchronized FakeDelegatedAgent start() throws IOException {
        Files.deleteIfExists(socket);
        server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(eventLoops)
                .workerEventLoopGroup(eventLoops)
                .directExecutor() // no grpc default executor threads, which outlive their use by a minute
                .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                .addService(new Service())
                .build()
                .start();
        return this;
    }

    /** As an agent that exits: every connection and stream is cut, and the socket is gone. */
    public synchronized void stop() throws InterruptedException {
        svidStreams.clear();
        if (server != null) {
            server.shutdownNow();
            server.awaitTermination(5, TimeUnit.SECONDS);
            server = null;
        }
    }

    @Override
    public void close() throws Exception {
        stop();
        eventLoops.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        Files.deleteIfExists(socket);
    }

    private List<Entry> matching(int pid, List<Selector> selectors) {
        Set<String> given =
                selectors.stream().map(s -> s.getType() + ":" + s.getValue()).collect(Collectors.toSet());
        return entries.stream()
                .filter(entry -> pid != 0
                        ? entry.pid() == pid
                        : !entry.selectors().isEmpty() && given.containsAll(entry.selectors()))
                .toList();
    }

    private static Status validate(int pid, List<Selector> selectors) {
        if ((pid != 0) == !selectors.isEmpty()) {
            return Status.INVALID_ARGUMENT.withDescription(
                    "must provide either selectors or non-zero PID, but not " + "both");
        }
        return null;
    }

    private static SPIFFEID spiffeIdOf(String spiffeId) {
        URI uri = URI.create(spiffeId);
        return SPIFFEID.newBuilder()
                .setTrustDomain(uri.getHost())
                .setPath(uri.getPath())
                .build();
    }

    private SubscribeToX509SVIDsResponse issue(List<Entry> matched) {
        SubscribeToX509SVIDsResponse.Builder response = SubscribeToX509SVIDsResponse.newBuilder();
        List<String> federatesWith = new ArrayList<>();
        for (Entry entry : matched) {
            TrustDomainAuthority.IssuedSvid svid =
                    authority(URI.create(entry.spiffeId()).getHost()).issue(entry.spiffeId());
            try {
                response.addX509Svids(X509SVIDWithKey.newBuilder()
                        .setX509Svid(X509SVID.newBuilder()
                                .setId(spiffeIdOf(entry.spiffeId()))
                                .addCertChain(
                                        ByteString.copyFrom(svid.certificate().getEncoded()))
                                .setExpiresAt(svid.certificate()
                                        .getNotAfter()
                                        .toInstant()
                                        .getEpochSecond()))
                        .setX509SvidKey(
                                ByteString.copyFrom(svid.keys().getPrivate().getEncoded())));
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
            entry.federatesWith().stream()
                    .map(td -> "spiffe://" + td)
                    .filter(id -> !federatesWith.contains(id))
                    .forEach(federatesWith::add);
        }
        return response.addAllFederatesWith(federatesWith).build();
    }

    private final class Service extends DelegatedIdentityGrpc.DelegatedIdentityImplBase {

        @Override
        public void subscribeToX509SVIDs(
                SubscribeToX509SVIDsRequest request, StreamObserver<SubscribeToX509SVIDsResponse> responses) {
            Status invalid = validate(request.getPid(), request.getSelectorsList());
            if (invalid != null) {
                responses.onError(invalid.asRuntimeException());
                return;
            }
            x509SvidRequests.add(
                    request.getPid() != 0
                            ? "pid " + request.getPid()
                            : "selectors "
                                    + request.getSelectorsList().stream()
                                            .map(s -> s.getType() + ":" + s.getValue())
                                            .sorted()
                                            .toList());
            openSvidStreams.incrementAndGet();
            ((ServerCallStreamObserver<SubscribeToX509SVIDsResponse>) responses).setOnCancelHandler(() -> {
                openSvidStreams.decrementAndGet();
                svidStreams.remove(responses);
            });
            synchronized (responses) {
                responses.onNext(issue(matching(request.getPid(), request.getSelectorsList())));
                svidStreams.put(responses, request);
            }
        }

        @Override
        public void subscribeToX509Bundles(
                SubscribeToX509BundlesRequest request, StreamObserver<SubscribeToX509BundlesResponse> responses) {
            Map<String, ByteString> bundles = new LinkedHashMap<>();
            authorities.forEach((name, authority) -> {
                try {
                    bundles.put(
                            "spiffe://" + name,
                            ByteString.copyFrom(authority.caCertificate().getEncoded()));
                } catch (CertificateEncodingException e) {
                    throw new IllegalStateException(e);
                }
            });
            responses.onNext(SubscribeToX509BundlesResponse.newBuilder()
                    .putAllCaCertificates(bundles)
                    .build());
        }

        @Override
        public void subscribeToJWTBundles(
                SubscribeToJWTBundlesRequest request, StreamObserver<SubscribeToJWTBundlesResponse> responses) {
            SubscribeToJWTBundlesResponse.Builder bundles = SubscribeToJWTBundlesResponse.newBuilder();
            authorities.forEach((name, authority) ->
                    bundles.putBundles("spiffe://" + name, ByteString.copyFromUtf8(authority.jwks(jwksFormat))));
            responses.onNext(bundles.build());
        }

        @Override
        public void fetchJWTSVIDs(FetchJWTSVIDsRequest request, StreamObserver<FetchJWTSVIDsResponse> response) {
            if (request.getAudienceCount() == 0) {
                response.onError(Status.INVALID_ARGUMENT
                        .withDescription("audience must be specified")
                        .asRuntimeException());
                return;
            }
            Status invalid = validate(request.getPid(), request.getSelectorsList());
            if (invalid != null) {
                response.onError(invalid.asRuntimeException());
                return;
            }
            List<Entry> matched = matching(request.getPid(), request.getSelectorsList());
            if (matched.isEmpty()) {
                response.onError(Status.PERMISSION_DENIED
                        .withDescription("no identity issued")
                        .asRuntimeException());
                return;
            }
            FetchJWTSVIDsResponse.Builder answer = FetchJWTSVIDsResponse.newBuilder();
            for (Entry entry : matched) {
                answer.addSvids(JWTSVID.newBuilder()
                        .setId(spiffeIdOf(entry.spiffeId()))
                        .setToken(authority(URI.create(entry.spiffeId()).getHost())
                                .signJwt(entry.spiffeId(), request.getAudienceList(), jwtLifetime)));
                jwtSvidsIssued.incrementAndGet();
            }
            response.onNext(answer.build());
            response.onCompleted();
        }
    }
}
