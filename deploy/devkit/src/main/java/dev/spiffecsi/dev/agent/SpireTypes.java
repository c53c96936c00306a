package dev.spiffecsi.dev.agent;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.X509SVIDWithKey;
import dev.spiffecsi.backend.fuseproxy.protocol.types.JWTSVID;
import dev.spiffecsi.backend.fuseproxy.protocol.types.SPIFFEID;
import dev.spiffecsi.backend.fuseproxy.protocol.types.X509SVID;
import io.spiffe.spiffeid.SpiffeId;
import java.security.cert.CertificateEncodingException;

/** Issued SVIDs as SPIRE's API types ({@code spire.api.types}) carry them. */
final class SpireTypes {

    private SpireTypes() {}

    /** The chain is the leaf alone (the CA signs leaves directly); the key is PKCS#8 DER, as SPIRE sends it. */
    static X509SVIDWithKey x509Svid(IssuedX509Svid svid) {
        try {
            return X509SVIDWithKey.newBuilder()
                    .setX509Svid(X509SVID.newBuilder()
                            .setId(spiffeId(svid.spiffeId()))
                            .addCertChain(ByteString.copyFrom(svid.certificate().getEncoded()))
                            .setExpiresAt(
                                    svid.certificate().getNotAfter().toInstant().getEpochSecond()))
                    .setX509SvidKey(ByteString.copyFrom(svid.privateKey().getEncoded()))
                    .build();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode the X.509-SVID of " + svid.spiffeId(), e);
        }
    }

    static JWTSVID jwtSvid(IssuedJwtSvid svid) {
        return JWTSVID.newBuilder()
                .setToken(svid.token())
                .setId(spiffeId(svid.spiffeId()))
                .setIssuedAt(svid.issuedAt().getEpochSecond())
                .setExpiresAt(svid.expiresAt().getEpochSecond())
                .build();
    }

    /** The bare trust domain name and the path with its leading slash, as SPIRE splits an ID. */
    private static SPIFFEID spiffeId(SpiffeId id) {
        return SPIFFEID.newBuilder()
                .setTrustDomain(id.getTrustDomain().getName())
                .setPath(id.getPath())
                .build();
    }
}
