package dev.spiffecsi.backend.fuseproxy.workload;

import dev.spiffecsi.backend.fuseproxy.delegated.AgentClient;
import dev.spiffecsi.backend.fuseproxy.delegated.AgentStatus;
import dev.spiffecsi.backend.fuseproxy.delegated.BundleFeed;
import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.delegated.SvidSubscriptions;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.FetchJWTSVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.JWTBundlesRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.JWTBundlesResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.JWTSVID;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.JWTSVIDRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.JWTSVIDResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.SpiffeWorkloadAPIGrpc;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.ValidateJWTSVIDRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.ValidateJWTSVIDResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509BundlesRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509BundlesResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVIDRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVIDResponse;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import dev.spiffecsi.spi.LogSafe;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.lang.System.Logger.Level;
import java.util.List;

/**
 * The SPIFFE Workload API of one volume, answered with the identities the SPIRE agent issues <em>on behalf of</em>
 * the caller through its Delegated Identity API. The agent attests the driver on its admin socket, never the caller;
 * the caller is named to it by the volume's {@link CallerResolver}. Every bundle map passed on is cut down to the
 * caller's {@link TrustScope}.
 */
public final class WorkloadApiProxy extends SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase {

    private final AgentClient agent;
    /** The X.509-SVID subscriptions of this volume's callers, one per caller, shared by its calls. */
    private final SvidSubscriptions identities;

    private final BundleFeed x509Bundles;
    private final BundleFeed jwtBundles;
    private final VolumeLabel volume;
    private final System.Logger log;
    /**
     * Answers a caller can cause as often as it likes (no identity issued, an invalid token): logged at most once a
     * minute for the volume, with the count of the others.
     */
    private final RateLimitedLog refusals;

    private WorkloadApiProxy(
            AgentClient agent, BundleFeed x509Bundles, BundleFeed jwtBundles, VolumeLabel volume, System.Logger log) {
        this.agent = agent;
        this.identities = new SvidSubscriptions(agent, volume.toString(), log);
        this.refusals = new RateLimitedLog(log, Level.INFO);
        this.x509Bundles = x509Bundles;
        this.jwtBundles = jwtBundles;
        this.volume = volume;
        this.log = log;
    }

    /** The service for one volume, behind the interceptor that checks the security header and names the caller. */
    public static ServerServiceDefinition forVolume(
            VolumeLabel volume,
            CallerResolver callers,
            AgentClient agent,
            BundleFeed x509Bundles,
            BundleFeed jwtBundles,
            System.Logger log) {
        return ServerInterceptors.intercept(
                new WorkloadApiProxy(agent, x509Bundles, jwtBundles, volume, log),
                new WorkloadApiInterceptor(callers, volume, log));
    }

    private static Delegation caller() {
        return WorkloadApiInterceptor.CALLER.get();
    }

    @Override
    public void fetchX509SVID(X509SVIDRequest request, StreamObserver<X509SVIDResponse> responses) {
        new CallerStream<>(
                        "FetchX509SVID",
                        caller(),
                        WorkloadResponses.X509_SVIDS,
                        identities,
                        x509Bundles,
                        responses,
                        volume,
                        refusals,
                        log)
                .start();
    }

    @Override
    public void fetchX509Bundles(X509BundlesRequest request, StreamObserver<X509BundlesResponse> responses) {
        new CallerStream<>(
                        "FetchX509Bundles",
                        caller(),
                        WorkloadResponses.X509_BUNDLES,
                        identities,
                        x509Bundles,
                        responses,
                        volume,
                        refusals,
                        log)
                .start();
    }

    @Override
    public void fetchJWTBundles(JWTBundlesRequest request, StreamObserver<JWTBundlesResponse> responses) {
        new CallerStream<>(
                        "FetchJWTBundles",
                        caller(),
                        WorkloadResponses.JWT_BUNDLES,
                        identities,
                        jwtBundles,
                        responses,
                        volume,
                        refusals,
                        log)
                .start();
    }

    @Override
    public void fetchJWTSVID(JWTSVIDRequest request, StreamObserver<JWTSVIDResponse> response) {
        if (request.getAudienceList().stream().allMatch(String::isEmpty)) {
            response.onError(Status.INVALID_ARGUMENT
                    .withDescription("audience must be specified")
                    .asRuntimeException());
            return;
        }
        Delegation caller = caller();
        agent.fetchJwtSvids(caller, request.getAudienceList(), new StreamObserver<>() {
            @Override
            public void onNext(FetchJWTSVIDsResponse issued) {
                List<JWTSVID> svids = issued.getSvidsList().stream()
                        .map(svid -> JWTSVID.newBuilder()
                                .setSpiffeId(WorkloadResponses.spiffeId(svid.getId()))
                                .setSvid(svid.getToken())
                                .setHint(svid.getHint())
                                .build())
                        .filter(svid -> request.getSpiffeId().isEmpty()
                                || svid.getSpiffeId().equals(request.getSpiffeId()))
                        .toList();
                if (svids.isEmpty()) {
                    response.onError(Status.PERMISSION_DENIED
                            .withDescription(
                                    request.getSpiffeId().isEmpty()
                                            ? "no identity issued"
                                            : "no identity issued for " + LogSafe.value(request.getSpiffeId()))
                            .asRuntimeException());
                    return;
                }
                response.onNext(JWTSVIDResponse.newBuilder().addAllSvids(svids).build());
                response.onCompleted();
            }

            @Override
            public void onError(Throwable t) {
                Status status = Status.fromThrowable(t);
                String line = volume + ": FetchJWTSVID for " + caller
                        + (AgentClient.isWorkloadExited(status)
                                ? ": the process that opened the connection has exited; answered PERMISSION_DENIED"
                                : ": the SPIRE agent answered " + status.getCode() + " "
                                        + LogSafe.value(status.getDescription()));
                if (AgentStatus.isAnswer(status)) {
                    refusals.log(() -> line);
                } else {
                    log.log(Level.WARNING, line);
                }
                response.onError(AgentStatus.forWorkload(status).asRuntimeException());
            }

            @Override
            public void onCompleted() {
                // the answer went out with the agent's one message
            }
        });
    }

    @Override
    public void validateJWTSVID(ValidateJWTSVIDRequest request, StreamObserver<ValidateJWTSVIDResponse> response) {
        if (request.getAudience().isEmpty() || request.getSvid().isEmpty()) {
            response.onError(Status.INVALID_ARGUMENT
                    .withDescription(
                            request.getAudience().isEmpty() ? "audience must be specified" : "svid must be specified")
                    .asRuntimeException());
            return;
        }
        new JwtSvidValidation(request, caller(), agent, identities, jwtBundles, response, volume, refusals, log)
                .start();
    }
}
