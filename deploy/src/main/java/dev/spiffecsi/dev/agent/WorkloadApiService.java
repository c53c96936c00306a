package dev.spiffecsi.dev.agent;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.spiffe.exception.AuthorityNotFoundException;
import io.spiffe.exception.BundleNotFoundException;
import io.spiffe.exception.JwtSvidException;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc;
import io.spiffe.workloadapi.grpc.Workload.JWTBundlesRequest;
import io.spiffe.workloadapi.grpc.Workload.JWTBundlesResponse;
import io.spiffe.workloadapi.grpc.Workload.JWTSVID;
import io.spiffe.workloadapi.grpc.Workload.JWTSVIDRequest;
import io.spiffe.workloadapi.grpc.Workload.JWTSVIDResponse;
import io.spiffe.workloadapi.grpc.Workload.ValidateJWTSVIDRequest;
import io.spiffe.workloadapi.grpc.Workload.ValidateJWTSVIDResponse;
import io.spiffe.workloadapi.grpc.Workload.X509BundlesRequest;
import io.spiffe.workloadapi.grpc.Workload.X509BundlesResponse;
import io.spiffe.workloadapi.grpc.Workload.X509SVID;
import io.spiffe.workloadapi.grpc.Workload.X509SVIDRequest;
import io.spiffe.workloadapi.grpc.Workload.X509SVIDResponse;
import java.security.cert.CertificateEncodingException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The five Workload API calls, for callers admitted by {@link WorkloadApiInterceptor}. Each caller gets the one
 * identity its registration says; X.509-SVID streams get a newly issued SVID at half its lifetime, so a client
 * always holds a valid one. Bundles never change (the keys never rotate), so their streams send once and stay open.
 */
final class WorkloadApiService extends SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadApiService.class);

    private final TrustDomain trustDomain;
    private final Registrations registrations;
    private final CertificateAuthority ca;
    private final JwtAuthority jwt;
    private final Duration svidTtl;
    private final UpdateStreams streams;
    private final ByteString x509Bundle;

    WorkloadApiService(TrustDomain trustDomain, Registrations registrations, CertificateAuthority ca,
                       JwtAuthority jwt, Duration svidTtl, UpdateStreams streams) {
        this.trustDomain = trustDomain;
        this.registrations = registrations;
        this.ca = ca;
        this.jwt = jwt;
        this.svidTtl = svidTtl;
        this.streams = streams;
        this.x509Bundle = der(ca);
    }

    @Override
    public void fetchX509SVID(X509SVIDRequest request, StreamObserver<X509SVIDResponse> response) {
        Caller caller = WorkloadApiInterceptor.CALLER.get();
        SpiffeId id = registrations.identify(caller);
        streams.open("FetchX509SVID of " + caller, response, () -> x509SvidResponse(id, caller),
                svidTtl.dividedBy(2));
    }

    private X509SVIDResponse x509SvidResponse(SpiffeId id, Caller caller) {
        IssuedX509Svid svid = ca.issue(id, svidTtl);
        LOG.info("issued X.509-SVID {} (serial {}, expires {}) to {}", id,
                svid.certificate().getSerialNumber().toString(16), svid.certificate().getNotAfter().toInstant(),
                caller);
        try {
            return X509SVIDResponse.newBuilder().addSvids(X509SVID.newBuilder()
                            .setSpiffeId(id.toString())
                            .setX509Svid(ByteString.copyFrom(svid.certificate().getEncoded()))
                            .setX509SvidKey(ByteString.copyFrom(svid.privateKey().getEncoded()))
                            .setBundle(x509Bundle))
                    .build();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode the X.509-SVID of " + id, e);
        }
    }

    @Override
    public void fetchX509Bundles(X509BundlesRequest request, StreamObserver<X509BundlesResponse> response) {
        streams.open("FetchX509Bundles of " + WorkloadApiInterceptor.CALLER.get(), response,
                () -> X509BundlesResponse.newBuilder()
                .putBundles(trustDomain.toIdString(), x509Bundle).build());
    }

    @Override
    public void fetchJWTSVID(JWTSVIDRequest request, StreamObserver<JWTSVIDResponse> response) {
        Caller caller = WorkloadApiInterceptor.CALLER.get();
        SpiffeId id = registrations.identify(caller);
        if (request.getAudienceCount() == 0) {
            refuse(response, "FetchJWTSVID", caller, Status.INVALID_ARGUMENT, "audience must be specified");
            return;
        }
        if (!request.getSpiffeId().isEmpty() && !request.getSpiffeId().equals(id.toString())) {
            refuse(response, "FetchJWTSVID", caller, Status.PERMISSION_DENIED,
                    "no identity issued for " + request.getSpiffeId());
            return;
        }
        String token = jwt.issue(id, request.getAudienceList(), svidTtl);
        LOG.info("issued JWT-SVID {} for audience {} to {}", id, request.getAudienceList(), caller);
        response.onNext(JWTSVIDResponse.newBuilder()
                .addSvids(JWTSVID.newBuilder().setSpiffeId(id.toString()).setSvid(token)).build());
        response.onCompleted();
    }

    @Override
    public void fetchJWTBundles(JWTBundlesRequest request, StreamObserver<JWTBundlesResponse> response) {
        streams.open("FetchJWTBundles of " + WorkloadApiInterceptor.CALLER.get(), response,
                () -> JWTBundlesResponse.newBuilder()
                .putBundles(trustDomain.toIdString(), ByteString.copyFrom(jwt.jwks())).build());
    }

    @Override
    public void validateJWTSVID(ValidateJWTSVIDRequest request, StreamObserver<ValidateJWTSVIDResponse> response) {
        Caller caller = WorkloadApiInterceptor.CALLER.get();
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
            svid = jwt.validate(request.getSvid(), request.getAudience());
        } catch (JwtSvidException | BundleNotFoundException | AuthorityNotFoundException
                 | IllegalArgumentException e) {
            refuse(response, "ValidateJWTSVID", caller, Status.INVALID_ARGUMENT, e.getMessage());
            return;
        }
        response.onNext(ValidateJWTSVIDResponse.newBuilder()
                .setSpiffeId(svid.getSpiffeId().toString())
                .setClaims(ClaimsStruct.of(svid.getClaims()))
                .build());
        response.onCompleted();
    }

    private static void refuse(StreamObserver<?> response, String method, Caller caller, Status status,
                               String reason) {
        LOG.warn("refused {} from {}: {}", method, caller, reason);
        response.onError(status.withDescription(reason).asRuntimeException());
    }

    private static ByteString der(CertificateAuthority ca) {
        try {
            return ByteString.copyFrom(ca.certificate().getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode the CA certificate", e);
        }
    }
}
