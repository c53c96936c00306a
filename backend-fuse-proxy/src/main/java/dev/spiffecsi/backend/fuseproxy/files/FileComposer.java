package dev.spiffecsi.backend.fuseproxy.files;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.fuse.FileContent;
import dev.spiffecsi.backend.fuseproxy.fuse.FileSet;
import dev.spiffecsi.backend.fuseproxy.fuse.ServedFile;
import dev.spiffecsi.backend.fuseproxy.protocol.FileLayout;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Turns a pod's credentials into its files, in the volume's {@link FileLayout}: which bytes go under which name with
 * which owner and mode. A file whose bytes did not change keeps its content and its times, so that only what a
 * rotation changed shows a new mtime; the fresh copy of unchanged secret bytes is wiped at once.
 *
 * <p>The X.509-SVID chain is served as the agent sends it, leaf first, without the trust anchor (SPIRE's chains
 * stop below it, as the draft requires).
 */
final class FileComposer {

    private static final int OWNER = 0;

    private final FileOptions options;

    FileComposer(FileOptions options) {
        this.options = options;
    }

    /** One file as planned: its name, whether it is secret, and its bytes. */
    @SuppressWarnings("ArrayRecordComponent") // a carrier of bytes to write, never compared
    private record Planned(String name, boolean secret, byte[] bytes) {}

    /**
     * The files of {@code snapshot}, reusing the content of {@code previous} where the bytes are the same.
     *
     * @throws CertificateException when a bundle from the agent is not DER certificates
     */
    FileSet compose(CredentialSnapshot snapshot, FileSet previous, Instant now) throws CertificateException {
        List<ServedFile> files = new ArrayList<>();
        for (Planned planned : plan(snapshot)) {
            files.add(serve(planned, previous, now));
        }
        return new FileSet(files);
    }

    private ServedFile serve(Planned planned, FileSet previous, Instant now) {
        int mode = planned.secret() ? options.keyMode() : FileOptions.PUBLIC_MODE;
        int group = planned.secret() ? options.keyGroup().orElse(OWNER) : OWNER;
        Optional<ServedFile> same = previous.get(planned.name())
                .filter(file -> file.mode() == mode
                        && file.gid() == group
                        && file.content().isSecret() == planned.secret()
                        && file.content().sameBytesAs(planned.bytes()));
        if (same.isPresent()) {
            if (planned.secret()) {
                Arrays.fill(planned.bytes(), (byte) 0);
            }
            return same.get();
        }
        FileContent content =
                planned.secret() ? FileContent.ofSecret(planned.bytes()) : FileContent.ofPublic(planned.bytes());
        return new ServedFile(planned.name(), mode, OWNER, group, content, now);
    }

    private List<Planned> plan(CredentialSnapshot snapshot) throws CertificateException {
        List<Pem.Block> chain = snapshot.svid().getX509Svid().getCertChainList().stream()
                .map(der -> new Pem.Block(Pem.CERTIFICATE, der))
                .toList();
        Pem.Block key = new Pem.Block(Pem.PRIVATE_KEY, snapshot.svid().getX509SvidKey());
        List<Planned> files = new ArrayList<>();
        switch (options.layout()) {
            case SPIFFE -> {
                List<Pem.Block> credential = new ArrayList<>(List.of(key));
                credential.addAll(chain);
                files.add(new Planned(FileLayout.CREDENTIAL_BUNDLE, true, Pem.encode(credential)));
                for (String trustDomain : snapshot.trustDomains()) {
                    files.add(new Planned(
                            name(trustDomain) + FileLayout.TRUST_BUNDLE_SUFFIX,
                            false,
                            Pem.encode(certificates(snapshot.x509Bundles().get(trustDomain)))));
                }
                addJwtBundleFiles(snapshot, files);
            }
            case SPIFFE_HELPER -> {
                files.add(new Planned("svid.pem", false, Pem.encode(chain)));
                files.add(new Planned("svid_key.pem", true, Pem.encode(List.of(key))));
                files.add(new Planned("svid_bundle.pem", false, Pem.encode(allCertificates(snapshot))));
                files.add(new Planned("jwt_bundle.json", false, spiffeHelperJwtBundles(snapshot)));
            }
            case CERT_MANAGER -> {
                files.add(new Planned("tls.crt", false, Pem.encode(chain)));
                files.add(new Planned("tls.key", true, Pem.encode(List.of(key))));
                files.add(new Planned("ca.crt", false, Pem.encode(allCertificates(snapshot))));
                addJwtBundleFiles(snapshot, files);
            }
        }
        for (String audience : options.jwtAudiences()) {
            String token = snapshot.jwtSvids().get(audience);
            if (token != null) {
                files.add(new Planned(
                        JwtFileNames.of(audience).orElseThrow(), true, token.getBytes(StandardCharsets.US_ASCII)));
            }
        }
        return files;
    }

    private static void addJwtBundleFiles(CredentialSnapshot snapshot, List<Planned> files) {
        for (String trustDomain : snapshot.trustDomains()) {
            ByteString jwks = snapshot.jwtBundles().get(trustDomain);
            if (jwks != null) {
                files.add(new Planned(name(trustDomain) + FileLayout.JWT_BUNDLE_SUFFIX, false, jwks.toByteArray()));
            }
        }
    }

    /**
     * spiffe-helper's JWT bundle file: a JSON object mapping each trust domain name to its JWKS document,
     * base64-encoded. Trust domain names and base64 need no JSON escaping.
     */
    private static byte[] spiffeHelperJwtBundles(CredentialSnapshot snapshot) {
        StringBuilder json = new StringBuilder("{");
        for (String trustDomain : snapshot.trustDomains()) {
            ByteString jwks = snapshot.jwtBundles().get(trustDomain);
            if (jwks != null) {
                json.append(json.length() > 1 ? "," : "")
                        .append('"')
                        .append(name(trustDomain))
                        .append("\":\"")
                        .append(Base64.getEncoder().encodeToString(jwks.toByteArray()))
                        .append('"');
            }
        }
        return json.append("}").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The one bag of CA certificates spiffe-helper and cert-manager write: the own trust domain's, then those of the
     * federated ones asked for. (The draft's layout keeps one file per trust domain instead, so that a validator
     * cannot accept a peer of one trust domain on the authority of another.)
     */
    private static List<Pem.Block> allCertificates(CredentialSnapshot snapshot) throws CertificateException {
        List<Pem.Block> all = new ArrayList<>();
        for (String trustDomain : snapshot.trustDomains()) {
            all.addAll(certificates(snapshot.x509Bundles().get(trustDomain)));
        }
        return all;
    }

    /** A bundle's concatenated DER certificates, one block each. */
    private static List<Pem.Block> certificates(ByteString bundle) throws CertificateException {
        List<Pem.Block> blocks = new ArrayList<>();
        for (Certificate certificate : CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(bundle.toByteArray()))) {
            try {
                blocks.add(new Pem.Block(Pem.CERTIFICATE, ByteString.copyFrom(certificate.getEncoded())));
            } catch (CertificateEncodingException e) {
                throw new CertificateException("cannot encode a certificate of the bundle again", e);
            }
        }
        if (blocks.isEmpty()) {
            throw new CertificateException("an X.509 bundle without certificates");
        }
        return blocks;
    }

    /** {@code spiffe://example.org} as {@code example.org}: trust domain names are file-name safe. */
    private static String name(String trustDomainId) {
        return trustDomainId.substring("spiffe://".length());
    }
}
