package dev.spiffecsi.dev.agent;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import dev.spiffecsi.backend.fuseproxy.protocol.ClaimsStruct;
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
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVID;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVIDRequest;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVIDResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.spiffe.exception.AuthorityNotFoundException;
import io.spiffe.exception.BundleNotFoundException;
import io.spiffe.exception.JwtSvidException;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.jwtsvid.JwtSvid;
import java.security.cert.CertificateEncodingException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The five Workload API calls, for callers admitted by {@link WorkloadCallerInterceptor}. Each caller gets the one
 * identity its registration says; X.509-SVID streams get a newly issued SVID at half its lifetime, so a client
 * always holds a valid one. Bundles never change (the keys never rotate), so their streams send once and stay open.
 * A caller gets the bundles of its own trust domain and of those its entry federates with, as from SPIRE.
 */
final class WorkloadApiService extends SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadApiService.class);

    private final Registrations registrations;
    private final DevAgentKeys keys;
    private final Duration svidTtl;
    private final UpdateStreams streams;

    WorkloadApiService(Registrations registrations, DevAgentKeys keys, Duration svidTtl, UpdateStreams streams) {
        this.registrations = registrations;
        this.keys = keys;
        this.svidTtl = svidTtl;
        this.streams = streams;
    }

    @Override
    public void fetchX509SVID(X509SVIDRequest request, StreamObserver<X509SVIDResponse> response) {
        UnixPeer caller = WorkloadCallerInterceptor.CALLER.get();
        RegistrationEntry entry = registrations.identify(caller);
        streams.open(
                "FetchX509SVID of " + caller, response, () -> x509SvidResponse(entry, caller), svidTtl.dividedBy(2));
    }

    private X509SVIDResponse x509SvidResponse(RegistrationEntry entry, UnixPeer caller) {
        SpiffeId id = entry.spiffeId();
        IssuedX509Svid svid = keys.ca().issue(id, svidTtl);
        LOG.info(
                "issued X.509-SVID {} (serial {}, expires {}) to {}",
                id,
                svid.certificate().getSerialNumber().toString(16),
                svid.certificate().getNotAfter().toInstant(),
                caller);
        try {
            return X509SVIDResponse.newBuilder()
                    .addSvids(X509SVID.newBuilder()
                            .setSpiffeId(id.toString())
                            .setX509Svid(ByteString.copyFrom(svid.certificate().getEncoded()))
                            .setX509SvidKey(
                                    ByteString.copyFrom(svid.privateKey().getEncoded()))
                            .setBundle(keys.x509Bundle(id.getTrustDomain())))
                    .putAllFederatedBundles(keys.x509Bundles(entry.federatesWith()))
                    .build();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode the X.509-SVID of " + id, e);
        }
    }

    @Override
    public void fetchX509Bundles(X509BundlesRequest request, StreamObserver<X509BundlesResponse> response) {
        UnixPeer caller = WorkloadCallerInterceptor.CALLER.get();
        List<TrustDomain> trusted = trustedBy(registrations.identify(caller));
        streams.open(
                "FetchX509Bundles of " + caller,
                response,
                () -> X509BundlesResponse.newBuilder()
                        .putAllBundles(keys.x509Bundles(trusted))
                        .build());
    }

    @Override
    public void fetchJWTSVID(JWTSVIDRequest request, StreamObserver<JWTSVIDResponse> response) {
        UnixPeer caller = WorkloadCallerInterceptor.CALLER.get();
        SpiffeId id = registrations.identify(caller).spiffeId();
        if (request.getAudienceCount() == 0) {
            refuse(response, "FetchJWTSVID", caller, Status.INVALID_ARGUMENT, "audience must be specified");
            return;
        }
        if (!request.getSpiffeId().isEmpty() && !request.getSpiffeId().equals(id.toString())) {
            refuse(
                    response,
                    "FetchJWTSVID",
                    caller,
                    Status.PERMISSION_DENIED,
                    "no identity issued for " + request.getSpiffeId());
            return;
        }
        String token = keys.jwt().issue(id, request.getAudienceList(), svidTtl).token();
        LOG.info("issued JWT-SVID {} for audience {} to {}", id, request.getAudienceList(), caller);
        response.onNext(JWTSVIDResponse.newBuilder()
                .addSvids(JWTSVID.newBuilder().setSpiffeId(id.toString()).setSvid(token))
                .build());
        response.onCompleted();
    }

    @Override
    public void fetchJWTBundles(JWTBundlesRequest request, StreamObserver<JWTBundlesResponse> response) {
        UnixPeer caller = WorkloadCallerInterceptor.CALLER.get();
        List<TrustDomain> trusted = trustedBy(registrations.identify(caller));
        streams.open(
                "FetchJWTBundles of " + caller,
                response,
                () -> JWTBundlesResponse.newBuilder()
                        .putAllBundles(keys.jwtBundles(trusted))
                        .build());
    }

    /** The trust domains whose bundles a workload gets: its own, then those its entry federates with. */
    private static List<TrustDomain> trustedBy(RegistrationEntry entry) {
        List<TrustDomain> trusted = new ArrayList<>(List.of(entry.spiffeId().getTrustDomain()));
        trusted.addAll(entry.federatesWith());
        return trusted;
    }

    @Override
    public void validateJWTSVID(ValidateJWTSVIDRequest request, StreamObserver<ValidateJWTSVIDResponse> response) {
        UnixPeer caller = WorkloadCallerInterceptor.CALLER.get();
        if (request.getAudience().isEmpty()) {
            refuse(response, "ValidateJWTSVID", caller, Status.INVALID_ARGUMENT, "audience must be specified");
            return;
        }
        if (request.getSvid().isEmpty()) {
            refuse(response, "ValidateJWTSVID", caller, Status.INVALID_ARGUMENT, "svid must be specified");
            return;
        }
        JwtSvid svid;
        try {
            svid = keys.jwt().validate(request.getSvid(), request.getAudience());
        } catch (JwtSvidException | BundleNotFoundException | AuthorityNotFoundException | IllegalArgumentException e) {
            refuse(response, "ValidateJWTSVID", caller, Status.INVALID_ARGUMENT, e.getMessage());
            return;
        }
        response.onNext(ValidateJWTSVIDResponse.newBuilder()
                .setSpiffeId(svid.getSpiffeId().toString())
                .setClaims(ClaimsStruct.of(svid.getClaims()))
                .build());
        response.onCompleted();
    }

    private static void refuse(
            StreamObserver<?> response, String method, UnixPeer caller, Status status, String reason) {
        LOG.warn("refused {} from {}: {}", method, caller, reason);
        response.onError(status.withDescription(reason).asRuntimeException());
    }
}
