package dev.spiffecsi.dev.simulatednode.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import dev.spiffecsi.backend.fuseproxy.protocol.FileLayout;
import dev.spiffecsi.dev.agent.RegistrationEntry;
import dev.spiffecsi.dev.agent.WorkloadSelector;
import dev.spiffecsi.dev.demo.Leftovers;
import dev.spiffecsi.dev.kubelet.KubeletException;
import dev.spiffecsi.dev.kubelet.Pod;
import dev.spiffecsi.spi.contract.Privileges;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.x509svid.X509SvidValidator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Credential files through the real driver (in this process, on its CSI socket), published by the kubelet simulator,
 * issued by the dev agent through its Delegated Identity API by each pod's selectors, and used by applications that
 * know nothing but files: java-spiffe loads them, and two processes authenticate each other over TLS with them.
 */
class FuseProxyFilesEndToEndTest {

    private static final TrustDomain TRUST_DOMAIN = TrustDomain.parse("example.org");
    private static final SpiffeId WEB = SpiffeId.parse("spiffe://example.org/ns/shop/sa/web");
    private static final SpiffeId DB = SpiffeId.parse("spiffe://example.org/ns/shop/sa/db");

    @TempDir
    Path scratch;

    private ProxiedNode node;

    @BeforeEach
    void setUp() throws Exception {
        Privileges.assumeCanMountPrivately();
        node = ProxiedNode.start(List.of(entry("web", WEB), entry("db", DB)));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static RegistrationEntry entry(String serviceAccount, SpiffeId id) {
        return new RegistrationEntry(
                Set.of(new WorkloadSelector("k8s", "ns:shop"), new WorkloadSelector("k8s", "sa:" + serviceAccount)),
                id,
                Set.of());
    }

    private static Pod pod(String serviceAccount, FileLayout layout) {
        return Pod.of(serviceAccount, "shop", serviceAccount)
                .withVolumeAttributes(Map.of(
                        "csi.spiffe.io/contents",
                        "files",
                        "csi.spiffe.io/file-layout",
                        layout.toString(),
                        "csi.spiffe.io/jwt-audiences",
                        "db"));
    }

    /** The pod's JWT-SVID for audience db, checked against the JWT bundle file beside it. */
    private static SpiffeId jwtSubject(Path target) throws Exception {
        SignedJWT token = SignedJWT.parse(Files.readString(target.resolve("db" + FileLayout.JWT_SVID_SUFFIX)));
        JWKSet bundle =
                JWKSet.parse(Files.readString(target.resolve(TRUST_DOMAIN.getName() + FileLayout.JWT_BUNDLE_SUFFIX)));
        assertTrue(
                token.verify(new ECDSAVerifier(
                        (ECKey) bundle.getKeyByKeyId(token.getHeader().getKeyID()))),
                "signed by a key of the trust domain's JWT bundle");
        assertEquals(List.of("db"), token.getJWTClaimsSet().getAudience());
        return SpiffeId.parse(token.getJWTClaimsSet().getSubject());
    }

    private static List<String> names(Path directory) throws Exception {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * Each layout: java-spiffe loads the SVID and the bundle from the files, the chain verifies, and a server process
     * and this process, each with its own pod's files only, complete a mutually authenticated TLS handshake in which
     * each accepts only the other's SPIFFE ID.
     */
    @ParameterizedTest
    @EnumSource(FileLayout.class)
    void twoProcessesAuthenticateEachOtherOverTlsWithNothingButTheirFiles(FileLayout layout) throws Exception {
        Path webTarget = node.kubelet().publish(pod("web", layout));
        Path dbTarget = node.kubelet().publish(pod("db", layout));

        CredentialFiles web = CredentialFiles.load(webTarget, layout, TRUST_DOMAIN);
        assertEquals(WEB, web.svid().getSpiffeId());
        X509SvidValidator.verifyChain(web.svid().getChain(), trustDomain -> web.bundle());
        assertEquals(
                DB, CredentialFiles.load(dbTarget, layout, TRUST_DOMAIN).svid().getSpiffeId());

        Path portFile = scratch.resolve("port");
        Process server = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-XX:-UsePerfData",
                        "-cp",
                        System.getProperty("java.class.path"),
                        FilesTlsServer.class.getName(),
                        dbTarget.toString(),
                        layout.name(),
                        TRUST_DOMAIN.getName(),
                        WEB.toString(),
                        portFile.toString())
                .redirectErrorStream(true)
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(portFile) || Files.readString(portFile).isEmpty()) {
                assertTrue(
                        server.isAlive() && System.nanoTime() < deadline,
                        () -> "the server did not listen: " + output(server));
                Thread.sleep(50);
            }
            int port = Integer.parseInt(Files.readString(portFile));
            try (SSLSocket client =
                    (SSLSocket) web.tls(DB).getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
                client.startHandshake();
                assertEquals(DB.toString(), FilesTlsServer.uriSan((java.security.cert.X509Certificate)
                        client.getSession().getPeerCertificates()[0]));
                String greeting = new BufferedReader(
                                new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                assertEquals("hello " + WEB + " from " + DB, greeting);
            }
            assertTrue(server.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, server.exitValue(), output(server));
        } finally {
            server.destroyForcibly().waitFor();
        }
    }

    private static String output(Process process) {
        try {
            return new String(
                    process.getInputStream().readNBytes(process.getInputStream().available()), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /**
     * Two pods of different service accounts on one node: each volume holds its own pod's identity only, and a TLS
     * client that wants the db's identity refuses the web pod's credentials presented as a server.
     */
    @Test
    void twoPodsWithDifferentServiceAccountsNeverSeeEachOthersFiles() throws Exception {
        Path webTarget = node.kubelet().publish(pod("web", FileLayout.SPIFFE));
        Path dbTarget = node.kubelet().publish(pod("db", FileLayout.SPIFFE));

        CredentialFiles web = CredentialFiles.load(webTarget, FileLayout.SPIFFE, TRUST_DOMAIN);
        CredentialFiles db = CredentialFiles.load(dbTarget, FileLayout.SPIFFE, TRUST_DOMAIN);
        assertEquals(WEB, web.svid().getSpiffeId());
        assertEquals(DB, db.svid().getSpiffeId());
        assertNotEquals(web.svid().getPrivateKey(), db.svid().getPrivateKey());
        assertEquals(names(webTarget), names(dbTarget), "the same names, each volume its own content");
        assertEquals(WEB, jwtSubject(webTarget), "the dev agent's JWT-SVID by the pod's selectors");
        assertEquals(DB, jwtSubject(dbTarget));
        assertFalse(Files.readString(webTarget.resolve(FileLayout.CREDENTIAL_BUNDLE))
                .equals(Files.readString(dbTarget.resolve(FileLayout.CREDENTIAL_BUNDLE))));

        // the web pod's credentials cannot pass for the db's: a client that wants DB refuses them
        try (javax.net.ssl.SSLServerSocket impostor = (javax.net.ssl.SSLServerSocket)
                web.tls(WEB).getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofPlatform().start(() -> {
                try (SSLSocket accepted = (SSLSocket) impostor.accept()) {
                    accepted.startHandshake();
                } catch (Exception e) {
                    // the client refuses this server: expected
                }
            });
            try (SSLSocket client = (SSLSocket) db.tls(DB)
                    .getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), impostor.getLocalPort())) {
                assertThrows(SSLHandshakeException.class, client::startHandshake);
            }
            acceptor.join(10_000);
        }
    }

    /** A bad attribute is INVALID_ARGUMENT from the driver, naming it, and the kubelet finds nothing left. */
    @Test
    void aBadAttributeFailsThePublishNamingItAndLeavesNothing() throws Exception {
        Pod pod = Pod.of("web", "shop", "web")
                .withVolumeAttributes(Map.of("csi.spiffe.io/contents", "files", "csi.spiffe.io/file-layout", "pkcs12"));
        KubeletException refused =
                assertThrows(KubeletException.class, () -> node.kubelet().publish(pod));
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, refused.status().getCode(), refused.getMessage());
        assertTrue(
                refused.status().getDescription().contains("\"csi.spiffe.io/file-layout\""),
                refused.status().getDescription());
        Path target = node.layout()
                .podsDir()
                .resolve(pod.uid())
                .resolve("volumes/kubernetes.io~csi")
                .resolve(pod.volumeName())
                .resolve("mount");
        assertEquals(List.of(), Leftovers.after(target, node.layout().podsDir()));
        assertFalse(Files.exists(target));
    }

    /** The kubelet's unpublish leaves no file, no mount, no directory; the files are gone with it. */
    @Test
    void unpublishLeavesNothing() throws Exception {
        Pod pod = pod("web", FileLayout.CERT_MANAGER);
        Path target = node.kubelet().publish(pod);
        assertTrue(Files.exists(target.resolve("tls.key")));

        node.kubelet().unpublish(pod);

        assertEquals(List.of(), Leftovers.after(target, node.layout().podsDir()));
        assertThrows(NoSuchFileException.class, () -> Files.readAllBytes(target.resolve("tls.key")));
    }
}
