package dev.spiffecsi.dev.agent;

import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.DelegatedIdentityGrpc;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.FetchJWTSVIDsRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.FetchJWTSVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToJWTBundlesRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToJWTBundlesResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509BundlesRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509BundlesResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsResponse;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import io.spiffe.spiffeid.TrustDomain;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SPIRE's Delegated Identity API ({@code spire.api.agent.delegatedidentity.v1.DelegatedIdentity}), for delegates
 * admitted by {@link DelegateAuthorizer}: the SVIDs of the workload a request names ({@link WorkloadLookup}), and
 * the bundles of every trust domain the agent knows. Behaves as SPIRE's service does where a client can tell:
 * the same status codes and messages, an empty first message (and an open stream) for a workload without
 * entries, the full set in every message, bundles keyed by trust domain ID.
 */
final class DelegatedIdentityService extends DelegatedIdentityGrpc.DelegatedIdentityImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(DelegatedIdentityService.class);

    private final WorkloadLookup lookup;
    private final DevAgentKeys keys;
    private final Duration svidTtl;
    private final UpdateStreams streams;

    DelegatedIdentityService(WorkloadLookup lookup, DevAgentKeys keys, Duration svidTtl, UpdateStreams streams) {
        this.lookup = lookup;
        this.keys = keys;
        this.svidTtl = svidTtl;
        this.streams = streams;
    }

    /**
     * The workload is looked up once, when the stream opens, as SPIRE attests a pid once; the stream then gets
     * freshly issued SVIDs at half their lifetime, like a Workload API stream.
     */
    @Override
    public void subscribeToX509SVIDs(
            SubscribeToX509SVIDsRequest request, StreamObserver<SubscribeToX509SVIDsResponse> response) {
        UnixPeer delegate = DelegateAuthorizer.DELEGATE.get();
        WorkloadLookup.Workload workload;
        try {
            workload = lookup.find(request.getSelectorsList(), request.getPid());
        } catch (StatusException e) {
            refuse(response, "SubscribeToX509SVIDs of delegate " + delegate, e.getStatus());
            return;
        }
        String description = "SubscribeToX509SVIDs of delegate " + delegate + " for " + workload.description();
        if (workload.entries().isEmpty()) {
            // nothing to rotate, and no entry can appear later: the registrations never change while the agent runs
            LOG.info("{}: no registration entry matches, so the update is empty", description);
            streams.open(description, response, SubscribeToX509SVIDsResponse::getDefaultInstance);
            return;
        }
        streams.open(description, response, () -> x509Svids(workload, delegate), svidTtl.dividedBy(2));
    }

    private SubscribeToX509SVIDsResponse x509Svids(WorkloadLookup.Workload workload, UnixPeer delegate) {
        SubscribeToX509SVIDsResponse.Builder update = SubscribeToX509SVIDsResponse.newBuilder();
        for (RegistrationEntry entry : workload.entries()) {
            IssuedX509Svid svid = keys.ca().issue(entry.spiffeId(), svidTtl);
            LOG.info(
                    "issued X.509-SVID {} (serial {}, expires {}) for {} to delegate {}",
                    entry.spiffeId(),
                    svid.certificate().getSerialNumber().toString(16),
                    svid.certificate().getNotAfter().toInstant(),
                    workload.description(),
                    delegate);
            update.addX509Svids(SpireTypes.x509Svid(svid));
        }
        // trust domain IDs, sorted and once each, as SPIRE lists them
        workload.entries().stream()
                .flatMap(entry -> entry.federatesWith().stream())
                .map(TrustDomain::toIdString)
                .distinct()
                .sorted()
                .forEach(update::addFederatesWith);
        return update.build();
    }

    @Override
    public void subscribeToX509Bundles(
            SubscribeToX509BundlesRequest request, StreamObserver<SubscribeToX509BundlesResponse> response) {
        streams.open(
                "SubscribeToX509Bundles of delegate " + DelegateAuthorizer.DELEGATE.get(),
                response,
                () -> SubscribeToX509BundlesResponse.newBuilder()
                        .putAllCaCertificates(keys.x509Bundles(keys.trustDomains()))
                        .build());
    }

    @Override
    public void fetchJWTSVIDs(FetchJWTSVIDsRequest request, StreamObserver<FetchJWTSVIDsResponse> response) {
        UnixPeer delegate = DelegateAuthorizer.DELEGATE.get();
        if (request.getAudienceCount() == 0) {
            refuse(
                    response,
                    "FetchJWTSVIDs of delegate " + delegate,
                    Status.INVALID_ARGUMENT.withDescription("audience must be specified"));
            return;
        }
        WorkloadLookup.Workload workload;
        try {
            workload = lookup.find(request.getSelectorsList(), request.getPid());
        } catch (StatusException e) {
            refuse(response, "FetchJWTSVIDs of delegate " + delegate, e.getStatus());
            return;
        }
        if (workload.entries().isEmpty()) {
            refuse(
                    response,
                    "FetchJWTSVIDs of delegate " + delegate + " for " + workload.description(),
                    Status.PERMISSION_DENIED.withDescription("no identity issued"));
            return;
        }
        FetchJWTSVIDsResponse.Builder svids = FetchJWTSVIDsResponse.newBuilder();
        for (RegistrationEntry entry : workload.entries()) {
            svids.addSvids(SpireTypes.jwtSvid(keys.jwt().issue(entry.spiffeId(), request.getAudienceList(), svidTtl)));
            LOG.info(
                    "issued JWT-SVID {} for audience {} for {} to delegate {}",
                    entry.spiffeId(),
                    request.getAudienceList(),
                    workload.description(),
                    delegate);
        }
        response.onNext(svids.build());
        response.onCompleted();
    }

    @Override
    public void subscribeToJWTBundles(
            SubscribeToJWTBundlesRequest request, StreamObserver<SubscribeToJWTBundlesResponse> response) {
        streams.open(
                "SubscribeToJWTBundles of delegate " + DelegateAuthorizer.DELEGATE.get(),
                response,
                () -> SubscribeToJWTBundlesResponse.newBuilder()
                        .putAllBundles(keys.jwtBundles(keys.trustDomains()))
                        .build());
    }

    private static void refuse(StreamObserver<?> response, String call, Status status) {
        LOG.warn("refused {}: {} {}", call, status.getCode(), status.getDescription());
        response.onError(status.asRuntimeException());
    }
}
