package dev.spiffecsi.backend.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import dev.spiffecsi.backend.fuseproxy.protocol.FileLayout;
import dev.spiffecsi.backend.fuseproxy.testing.FakeDelegatedAgent;
import dev.spiffecsi.backend.fuseproxy.testing.PemFiles;
import dev.spiffecsi.backend.fuseproxy.testing.TrustDomainAuthority;
import dev.spiffecsi.backend.fuseproxy.testing.WorkloadClient;
import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.VolumeCondition;
import dev.spiffecsi.spi.contract.ContractFixture;
import dev.spiffecsi.spi.contract.Privileges;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Credential files as pods read them: real FUSE mounts, a fake SPIRE agent issuing real certificates and JWTs by the
 * pod's selectors, and the files read by openssl and by the JDK straight from the mount (a served key is never
 * copied anywhere). Needs root in a private mount namespace.
 */
class FuseProxyFilesTest {

    private static final String TRUST_DOMAIN = "example.org";
    private static final String FEDERATED = "partner.test";
    private static final String UNRELATED = "unrelated.test";
    private static final String WORKLOAD_ID = "spiffe://example.org/ns/default/sa/web";
    private static final Set<String> POD_SELECTORS = Set.of("k8s:ns:default", "k8s:sa:web");

    @TempDir
    Path tempDir;

    private final MountSyscalls mounts = new JnaMountSyscalls();
    private ContractFixture fixture;
    private FakeDelegatedAgent agent;
    private final ProxiedVolumes volumes = new ProxiedVolumes();

    @BeforeEach
    void setUp() throws Exception {
        Privileges.assumeCanMountPrivately();
        fixture = new ContractFixture(tempDir);
        agent = new FakeDelegatedAgent(fixture.socketDir().resolve("admin.sock"), TRUST_DOMAIN, FEDERATED, UNRELATED)
                .start();
    }

    @AfterEach
    void tearDown() throws Exception {
        volumes.close();
        if (agent != null) {
            agent.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    private Backend backend() throws IOException {
        return volumes.add(new FuseProxyProvider()
                .create(
                        ProxiedVolumes.config(agent, "pid"),
                        fixture.context(fixture.socketDir(), mounts, FuseProxyProvider.NAME)));
    }

    /** A publish of pod default/web (service account web) with these volume attributes. */
    private PublishRequest request(Path target, Map<String, String> attributes) {
        return request(target, attributes, OptionalInt.empty());
    }

    /** The same, with the volume mount group the kubelet sends for a pod with an fsGroup. */
    private PublishRequest request(Path target, Map<String, String> attributes, OptionalInt volumeMountGroup) {
        volumes.published(target);
        Map<String, String> context = new HashMap<>(attributes);
        context.putAll(Map.of(
                PodInfo.POD_NAME,
                "web",
                PodInfo.POD_NAMESPACE,
                "default",
                PodInfo.POD_UID,
                target.getParent()
                        .getParent()
                        .getParent()
                        .getParent()
                        .getFileName()
                        .toString(),
                PodInfo.SERVICE_ACCOUNT,
                "web",
                "csi.storage.k8s.io/ephemeral",
                "true"));
        return new PublishRequest(
                "vol-" + target.hashCode(),
                target,
                true,
                PodInfo.fromVolumeContext(context),
                context,
                volumeMountGroup);
    }

    private static Map<String, String> files(String... more) {
        Map<String, String> attributes = new HashMap<>(Map.of(VolumeOptions.CONTENTS, "files"));
        for (int i = 0; i < more.length; i += 2) {
            attributes.put(more[i], more[i + 1]);
        }
        return attributes;
    }

    private static List<String> names(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }

    private static int mode(Path file) throws IOException {
        return (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + output);
        return output;
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        ProxiedVolumes.eventually(what, Duration.ofSeconds(15), condition);
    }

    /** The layout's files as openssl and the JDK read them, each with its owner and mode. */
    private record Layout(String credential, String key, String chain, String bundle, List<String> names) {}

    private static Layout layout(FileLayout layout) {
        String aud = "db" + FileLayout.JWT_SVID_SUFFIX;
        String spiffeCred = FileLayout.CREDENTIAL_BUNDLE;
        return switch (layout) {
            case SPIFFE ->
                new Layout(
                        spiffeCred,
                        spiffeCred,
                        spiffeCred,
                        TRUST_DOMAIN + FileLayout.TRUST_BUNDLE_SUFFIX,
                        List.of(
                                spiffeCred,
                                aud,
                                TRUST_DOMAIN + FileLayout.JWT_BUNDLE_SUFFIX,
                                TRUST_DOMAIN + FileLayout.TRUST_BUNDLE_SUFFIX,
                                FEDERATED + FileLayout.JWT_BUNDLE_SUFFIX,
                                FEDERATED + FileLayout.TRUST_BUNDLE_SUFFIX));
            case SPIFFE_HELPER ->
                new Layout(
                        "svid_key.pem",
                        "svid_key.pem",
                        "svid.pem",
                        "svid_bundle.pem",
                        List.of("svid.pem", "svid_key.pem", "svid_bundle.pem", "jwt_bundle.json", aud));
            case CERT_MANAGER ->
                new Layout(
                        "tls.key",
                        "tls.key",
                        "tls.crt",
                        "ca.crt",
                        List.of(
                                "tls.crt",
                                "tls.key",
                                "ca.crt",
                                TRUST_DOMAIN + FileLayout.JWT_BUNDLE_SUFFIX,
                                FEDERATED + FileLayout.JWT_BUNDLE_SUFFIX,
                                aud));
        };
    }

    @ParameterizedTest
    @EnumSource(FileLayout.class)
    void eachLayoutServesFilesThatOpensslAndTheJdkAccept(FileLayout fileLayout) throws Exception {
        agent.registerSelectors(POD_SELECTORS, WORKLOAD_ID, FEDERATED);
        Path target = fixture.newTarget();
        Backend backend = backend();
        backend.publish(request(
                target,
                files(
                        VolumeOptions.FILE_LAYOUT,
                        fileLayout.toString(),
                        VolumeOptions.JWT_AUDIENCES,
                        "db",
                        VolumeOptions.FEDERATED_BUNDLES,
                        "true",
                        VolumeOptions.KEY_GROUP,
                        "4242")));
        Layout layout = layout(fileLayout);

        assertEquals(
                new TreeSet<>(layout.names()),
                new TreeSet<>(names(target)),
                "served right away: the publish " + "waited for the files");
        for (String name : layout.names()) {
            Path file = target.resolve(name);
            boolean secret = name.equals(layout.key()) || name.endsWith(FileLayout.JWT_SVID_SUFFIX);
            assertEquals(secret ? 0440 : 0444, mode(file), name);
            assertEquals(secret ? 4242 : 0, Files.getAttribute(file, "unix:gid"), name);
            assertEquals(0, Files.getAttribute(file, "unix:uid"), name);
            assertEquals(Files.size(file), Files.readAllBytes(file).length, name + ": stat says the size read");
        }
        Path chain = target.resolve(layout.chain());
        Path bundle = target.resolve(layout.bundle());
        assertTrue(
                run("openssl", "verify", "-CAfile", bundle.toString(), "-untrusted", chain.toString(), chain.toString())
                        .trim()
                        .endsWith(": OK"));
        assertEquals(
                run("openssl", "x509", "-in", chain.toString(), "-noout", "-pubkey"),
                run("openssl", "pkey", "-in", target.resolve(layout.key()).toString(), "-pubout"),
                "the key is the certificate's");
        assertTrue(run("openssl", "x509", "-in", chain.toString(), "-noout", "-ext", "subjectAltName")
                .contains("URI:" + WORKLOAD_ID));

        List<PemFiles.Block> credential = PemFiles.blocks(Files.readAllBytes(target.resolve(layout.credential())));
        if (fileLayout == FileLayout.SPIFFE) {
            assertEquals("PRIVATE KEY", credential.getFirst().type(), "the draft's credential bundle: key first");
            assertEquals(
                    Set.of("CERTIFICATE"),
                    Set.copyOf(credential.subList(1, credential.size()).stream()
                            .map(PemFiles.Block::type)
                            .toList()));
        }
        PrivateKey key = PemFiles.privateKey(PemFiles.blocks(Files.readAllBytes(target.resolve(layout.key()))));
        X509Certificate leaf = PemFiles.certificates(PemFiles.blocks(Files.readAllBytes(chain)))
                .getFirst();
        assertTrue(PemFiles.matches(key, leaf));
        assertEquals(WORKLOAD_ID, PemFiles.spiffeId(leaf));
        List<X509Certificate> anchors = PemFiles.certificates(PemFiles.blocks(Files.readAllBytes(bundle)));
        assertTrue(anchors.contains(agent.authority(TRUST_DOMAIN).caCertificate()));
        assertEquals(
                fileLayout != FileLayout.SPIFFE,
                anchors.contains(agent.authority(FEDERATED).caCertificate()),
                "the draft's layout keeps each trust domain in a file of its own; the others append federated ones");
        assertFalse(anchors.contains(agent.authority(UNRELATED).caCertificate()), "not federated with");

        SignedJWT token = SignedJWT.parse(Files.readString(target.resolve("db" + FileLayout.JWT_SVID_SUFFIX)));
        JWKSet jwks = fileLayout == FileLayout.SPIFFE_HELPER
                ? JWKSet.parse(new String(
                        Base64.getDecoder().decode((String)
                                JSONObjectUtils.parse(Files.readString(target.resolve("jwt_bundle.json")))
                                        .get(TRUST_DOMAIN)),
                        StandardCharsets.UTF_8))
                : JWKSet.parse(Files.readString(target.resolve(TRUST_DOMAIN + FileLayout.JWT_BUNDLE_SUFFIX)));
        assertTrue(
                token.verify(new ECDSAVerifier(
                        (ECKey) jwks.getKeyByKeyId(token.getHeader().getKeyID()))),
                "signed by a key of the served JWT bundle");
        assertEquals(List.of("db"), token.getJWTClaimsSet().getAudience());
        assertEquals(WORKLOAD_ID, token.getJWTClaimsSet().getSubject());
        assertTrue(token.getJWTClaimsSet().getExpirationTime().toInstant().isAfter(java.time.Instant.now()));

        long flags = mounts.mountFlags(target);
        long wanted =
                MountSyscalls.ST_RDONLY | MountSyscalls.ST_NOSUID | MountSyscalls.ST_NODEV | MountSyscalls.ST_NOEXEC;
        assertEquals(wanted, flags & wanted, "read-only, nosuid, nodev, noexec");
        assertThrows(FileSystemException.class, () -> Files.writeString(chain, "x", StandardOpenOption.APPEND));
        assertThrows(FileSystemException.class, () -> Files.createFile(target.resolve("new")));
        assertThrows(FileSystemException.class, () -> Files.delete(chain));
        assertFalse(
                backend.condition(target).abnormal(),
                () -> backend.condition(target).message());
        assertEquals(
                List.of("selectors [k8s:ns:default, k8s:pod-uid:"
                        + target.getParent().getParent().getParent().getParent().getFileName() + ", k8s:sa:web]"),
                agent.x509SvidRequests(),
                "the pod's selectors, " + "though the socket's identity mode is pid");
    }

    /**
     * A reader opening, reading and closing the credential bundle in a tight loop while the agent rotates every
     * 150 ms never reads a key and a chain that do not belong together; an open file keeps reading what it opened.
     */
    @Test
    void everyReadOfTheCredentialBundleIsAConsistentSnapshotAcrossRotations() throws Exception {
        agent.registerSelectors(POD_SELECTORS, WORKLOAD_ID);
        Path target = fixture.newTarget();
        backend().publish(request(target, files()));
        Path credential = target.resolve(FileLayout.CREDENTIAL_BUNDLE);

        byte[] before = Files.readAllBytes(credential);
        FileTime mtimeBefore = Files.getLastModifiedTime(credential);
        try (InputStream open = Files.newInputStream(credential)) {
            byte[] head = open.readNBytes(100);
            agent.rotate();
            eventually("a rotation reaches the files", () -> !sameContent(credential, before));
            byte[] rest = open.readAllBytes();
            byte[] whole = new byte[head.length + rest.length];
            System.arraycopy(head, 0, whole, 0, head.length);
            System.arraycopy(rest, 0, whole, head.length, rest.length);
            assertArrayEquals(before, whole, "an open file reads the snapshot it opened to its end");
        }
        assertNotEquals(mtimeBefore, Files.getLastModifiedTime(credential), "mtime changes on rotation");

        AtomicBoolean reading = new AtomicBoolean(true);
        Thread rotator = Thread.ofPlatform().start(() -> {
            while (reading.get()) {
                agent.rotate();
                try {
                    Thread.sleep(150);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        Set<String> leaves = new HashSet<>();
        int reads = 0;
        try {
            while (reads < 2000 || leaves.size() < 6) {
                List<PemFiles.Block> blocks = PemFiles.blocks(Files.readAllBytes(credential));
                X509Certificate leaf = PemFiles.certificates(blocks).getFirst();
                assertTrue(
                        PemFiles.matches(PemFiles.privateKey(blocks), leaf),
                        "read " + reads + ": the key and the chain of one read belong together");
                leaves.add(leaf.getSerialNumber().toString(16));
                reads++;
                assertTrue(reads < 200_000, "the agent's rotations did not reach the files");
            }
        } finally {
            reading.set(false);
            rotator.join();
        }
        System.out.printf("credential bundle: %d consistent reads across %d rotations%n", reads, leaves.size() - 1);
    }

    private static boolean sameContent(Path file, byte[] content) {
        try {
            return java.util.Arrays.equals(Files.readAllBytes(file), content);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * While the agent has no entry for the pod, the volume holds no file (ENOENT, not empty files) and its condition
     * says why; the files appear when an entry does.
     */
    @Test
    void withoutAnEntryThereAreNoFilesAndTheConditionSaysWhyUntilOneIsRegistered() throws Exception {
        Path target = fixture.newTarget();
        Backend backend = backend();
        backend.publish(request(target, files()));

        assertEquals(List.of(), names(target));
        assertThrows(NoSuchFileException.class, () -> Files.readAllBytes(target.resolve(FileLayout.CREDENTIAL_BUNDLE)));
        VolumeCondition condition = backend.condition(target);
        assertTrue(condition.abnormal());
        assertTrue(condition.message().contains("no identity"), condition.message());

        agent.registerSelectors(POD_SELECTORS, WORKLOAD_ID);
        agent.rotate();
        eventually(
                "files once the agent issues an SVID",
                () -> Files.exists(target.resolve(FileLayout.CREDENTIAL_BUNDLE)));
        assertFalse(
                backend.condition(target).abnormal(),
                () -> backend.condition(target).message());
    }

    /**
     * Tokens are refreshed at half their lifetime, before they expire. When the refresh happened is read from the
     * second token itself (the agent's signing time), not from when this test got to look at the file.
     */
    @Test
    void jwtSvidFilesAreRefreshedBeforeTheyExpire() throws Exception {
        agent.registerSelectors(POD_SELECTORS, WORKLOAD_ID).jwtLifetime(Duration.ofSeconds(4));
        Path target = fixture.newTarget();
        backend().publish(request(target, files(VolumeOptions.JWT_AUDIENCES, "db, spiffe://example.org/api")));
        Path db = target.resolve("db" + FileLayout.JWT_SVID_SUFFIX);
        Path api = target.resolve("spiffe%3A%2F%2Fexample.org%2Fapi" + FileLayout.JWT_SVID_SUFFIX);

        SignedJWT first = SignedJWT.parse(Files.readString(db));
        assertEquals(
                List.of("spiffe://example.org/api"),
                SignedJWT.parse(Files.readString(api)).getJWTClaimsSet().getAudience());
        java.time.Instant expiry = first.getJWTClaimsSet().getExpirationTime().toInstant();
        eventually("a fresh token", () -> !sameContent(db, first.serialize().getBytes(StandardCharsets.US_ASCII)));
        SignedJWT second = SignedJWT.parse(Files.readString(db));
        java.time.Instant signed = second.getJWTClaimsSet()
                .getIssueTime()
                .toInstant()
                .plus(TrustDomainAuthority.JWT_ISSUED_BEFORE_SIGNING);
        assertTrue(
                signed.isBefore(expiry),
                "the agent signed the refreshed token at " + signed + ", not before the " + "first one's expiry at "
                        + expiry);
        assertTrue(second.getJWTClaimsSet().getExpirationTime().toInstant().isAfter(expiry));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "csi.spiffe.io/contents          | sockets",
                "csi.spiffe.io/contents          | files,files",
                "csi.spiffe.io/file-layout       | pkcs12",
                "csi.spiffe.io/jwt-audiences     | db,,api",
                "csi.spiffe.io/jwt-audiences     | 'db,db'",
                "csi.spiffe.io/jwt-audiences     | 'a b'",
                "csi.spiffe.io/federated-bundles | yes",
                "csi.spiffe.io/key-mode          | 0640",
                "csi.spiffe.io/key-group         | wheel",
                "csi.spiffe.io/file-leyout       | spiffe",
            })
    void aBadAttributeIsRefusedNamingItAndNothingIsMounted(String attribute, String value) throws Exception {
        Path target = fixture.newTarget();
        Map<String, String> attributes = files(VolumeOptions.FILE_LAYOUT, "spiffe");
        attributes.put(attribute, value);
        Backend backend = backend();

        BackendException e = assertThrows(BackendException.class, () -> backend.publish(request(target, attributes)));

        assertEquals(BackendException.Failure.INVALID_REQUEST, e.failure());
        assertTrue(e.getMessage().contains("\"" + attribute + "\""), e.getMessage());
        assertEquals(TargetState.ABSENT, backend.inspect(target));
    }

    @Test
    void fileAttributesWithoutFilesAreRefused() throws Exception {
        Path target = fixture.newTarget();
        Backend backend = backend();
        BackendException e = assertThrows(
                BackendException.class,
                () -> backend.publish(request(target, Map.of(VolumeOptions.JWT_AUDIENCES, "db"))));
        assertTrue(e.getMessage().contains("\"" + VolumeOptions.JWT_AUDIENCES + "\""), e.getMessage());
        assertEquals(TargetState.ABSENT, backend.inspect(target));
    }

    /** The socket works as ever beside the files, with the caller's identity. */
    @Test
    void aVolumeWithTheSocketAndFilesServesBoth() throws Exception {
        agent.registerSelectors(POD_SELECTORS, WORKLOAD_ID);
        agent.registerPid(ProcessHandle.current().pid(), "spiffe://example.org/by-pid");
        Path target = fixture.newTarget();
        backend().publish(request(target, Map.of(VolumeOptions.CONTENTS, "socket,files")));

        assertEquals(
                List.of(
                        FileLayout.CREDENTIAL_BUNDLE,
                        TRUST_DOMAIN + FileLayout.JWT_BUNDLE_SUFFIX,
                        TRUST_DOMAIN + FileLayout.TRUST_BUNDLE_SUFFIX,
                        ContractFixture.SOCKET_NAME),
                names(target));
        try (WorkloadClient client = WorkloadClient.connect(target.resolve(ContractFixture.SOCKET_NAME))) {
            assertEquals(
                    "spiffe://example.org/by-pid",
                    client.fetchX509Svid().getSvids(0).getSpiffeId());
        }
        assertEquals(
                WORKLOAD_ID,
                PemFiles.spiffeId(PemFiles.certificates(
                                PemFiles.blocks(Files.readAllBytes(target.resolve(FileLayout.CREDENTIAL_BUNDLE))))
                        .getFirst()));
    }

    /**
     * Unpublish leaves nothing; a driver restart serves the files again (on top of the orphaned mount), with the
     * group of the recorded request.
     */
    @Test
    void unpublishLeavesNothingAndARestartedDriverServesTheFilesAgain() throws Exception {
        agent.registerSelectors(POD_SELECTORS, WORKLOAD_ID);
        Path target = fixture.newTarget();
        PublishRequest request = request(target, files(), OptionalInt.of(4242));
        Backend dying = backend();
        dying.publish(request);
        byte[] served = Files.readAllBytes(target.resolve(FileLayout.CREDENTIAL_BUNDLE));
        volumes.forget(dying);
        DriverRestarts.abortFuseConnection(mounts, target, tempDir);
        dying.close();
        assertEquals(
                MountSyscalls.ENOTCONN,
                assertThrows(MountSyscalls.ErrnoException.class, () -> mounts.stat(target))
                        .errno());

        Backend restarted = backend();
        restarted.resume(List.of(request));
        eventually("the files served again", () -> Files.exists(target.resolve(FileLayout.CREDENTIAL_BUNDLE)));
        assertEquals(
                4242,
                Files.getAttribute(target.resolve(FileLayout.CREDENTIAL_BUNDLE), "unix:gid"),
                "the recorded volume mount group (the pod's fsGroup) still owns the key");
        assertEquals(0440, mode(target.resolve(FileLayout.CREDENTIAL_BUNDLE)));
        assertFalse(
                java.util.Arrays.equals(served, Files.readAllBytes(target.resolve(FileLayout.CREDENTIAL_BUNDLE))),
                "a new subscription: a freshly issued SVID");

        restarted.unpublish(new UnpublishRequest(request.volumeId(), target, true));
        assertEquals(TargetState.ABSENT, restarted.inspect(target));
        assertEquals(List.of(), names(target));
        assertFalse(
                Files.readString(Path.of("/proc/self/mountinfo")).contains(target.toString()),
                "no mount left at the target, orphaned or not");
    }

    /** A process whose group is not the key's cannot read it (mode 0440); the certificates stay readable to all. */
    @Test
    void theKeyIsReadableOnlyByItsGroupWhenOneIsGiven() throws Exception {
        agent.registerSelectors(POD_SELECTORS, WORKLOAD_ID);
        Path target = fixture.newTarget();
        backend()
                .publish(request(
                        target, files(VolumeOptions.FILE_LAYOUT, "cert-manager", VolumeOptions.KEY_GROUP, "4242")));
        openPathTo(target);

        assertEquals(1, asUser("1000:1000", "cat", target.resolve("tls.key").toString()), "other group: refused");
        assertEquals(0, asUser("1000:4242", "cat", target.resolve("tls.key").toString()), "the key's group");
        assertEquals(0, asUser("1000:1000", "cat", target.resolve("tls.crt").toString()), "certificates: everyone");
    }

    /**
     * The pod's fsGroup, which the kubelet sends as the volume mount group: the key and the tokens are
     * {@code 0440 root:<fsGroup>} without any attribute, so that the pod's non-root app reads them and a process of
     * the pod without the group does not.
     */
    @Test
    void withThePodsFsGroupTheKeyAndTheTokensAre0440RootFsGroup() throws Exception {
        agent.registerSelectors(POD_SELECTORS, WORKLOAD_ID);
        Path target = fixture.newTarget();
        backend()
                .publish(request(
                        target,
                        files(VolumeOptions.FILE_LAYOUT, "cert-manager", VolumeOptions.JWT_AUDIENCES, "db"),
                        OptionalInt.of(4242)));
        openPathTo(target);

        for (String secret : List.of("tls.key", "db" + FileLayout.JWT_SVID_SUFFIX)) {
            Path file = target.resolve(secret);
            assertEquals(0440, mode(file), secret);
            assertEquals(0, Files.getAttribute(file, "unix:uid"), secret);
            assertEquals(4242, Files.getAttribute(file, "unix:gid"), secret);
            assertEquals(1, asUser("1000:1000", "cat", file.toString()), secret + ": another group is refused");
            assertEquals(0, asUser("1000:4242", "cat", file.toString()), secret + ": the fsGroup reads it");
        }
        assertEquals(0444, mode(target.resolve("tls.crt")));
        assertEquals(0, Files.getAttribute(target.resolve("tls.crt"), "unix:gid"));
        assertEquals(0, asUser("1000:1000", "cat", target.resolve("tls.crt").toString()), "certificates: everyone");
    }

    /** Without fsGroup or key-group the key is {@code 0400 root:root}: no other uid of the pod reads it. */
    @Test
    void withoutAnyGroupTheKeyIsReadableByRootOnly() throws Exception {
        agent.registerSelectors(POD_SELECTORS, WORKLOAD_ID);
        Path target = fixture.newTarget();
        backend().publish(request(target, files(VolumeOptions.FILE_LAYOUT, "cert-manager")));
        openPathTo(target);

        Path key = target.resolve("tls.key");
        assertEquals(0400, mode(key));
        assertEquals(0, Files.getAttribute(key, "unix:uid"));
        assertEquals(0, Files.getAttribute(key, "unix:gid"));
        assertEquals(1, asUser("1234:1234", "cat", key.toString()), "another uid is refused");
        assertEquals(1, asUser("1234:0", "cat", key.toString()), "root's group is refused too");
        assertEquals(0, asUser("1234:1234", "cat", target.resolve("tls.crt").toString()), "certificates: everyone");
    }

    /** Each mode with read bits only, as asked: the key's and the tokens' mode; the certificates stay 0444. */
    @ParameterizedTest(name = "key-mode {0}")
    @CsvSource({"0400", "0440", "0444", "0040", "0004"})
    void anExplicitKeyModeIsTheModeOfTheKeyAndTheTokens(String keyMode) throws Exception {
        agent.registerSelectors(POD_SELECTORS, WORKLOAD_ID);
        Path target = fixture.newTarget();
        backend()
                .publish(request(
                        target,
                        files(VolumeOptions.KEY_MODE, keyMode, VolumeOptions.JWT_AUDIENCES, "db"),
                        OptionalInt.of(4242)));

        assertEquals(Integer.parseInt(keyMode, 8), mode(target.resolve(FileLayout.CREDENTIAL_BUNDLE)));
        assertEquals(Integer.parseInt(keyMode, 8), mode(target.resolve("db" + FileLayout.JWT_SVID_SUFFIX)));
        assertEquals(4242, Files.getAttribute(target.resolve(FileLayout.CREDENTIAL_BUNDLE), "unix:gid"));
        assertEquals(0444, mode(target.resolve(TRUST_DOMAIN + FileLayout.TRUST_BUNDLE_SUFFIX)));
    }

    /** At 0400 the key is root's alone: another uid cannot read it, not even with the key's group. */
    @Test
    void atKeyMode0400AnotherUidCannotReadTheKeyEvenWithItsGroup() throws Exception {
        agent.registerSelectors(POD_SELECTORS, WORKLOAD_ID);
        Path target = fixture.newTarget();
        backend().publish(request(target, files(VolumeOptions.KEY_MODE, "0400"), OptionalInt.of(4242)));
        openPathTo(target);

        Path key = target.resolve(FileLayout.CREDENTIAL_BUNDLE);
        assertEquals(0400, mode(key));
        assertEquals(1, asUser("1234:1234", "cat", key.toString()), "another uid");
        assertEquals(1, asUser("1234:4242", "cat", key.toString()), "another uid with the key's group");
        assertTrue(Files.readAllBytes(key).length > 0, "root reads it");
    }

    /** At 0444 (asked for) every uid of the pod reads the key. */
    @Test
    void atKeyMode0444EveryUidReadsTheKey() throws Exception {
        agent.registerSelectors(POD_SELECTORS, WORKLOAD_ID);
        Path target = fixture.newTarget();
        backend().publish(request(target, files(VolumeOptions.KEY_MODE, "0444")));
        openPathTo(target);

        assertEquals(
                0,
                asUser(
                        "1234:1234",
                        "cat",
                        target.resolve(FileLayout.CREDENTIAL_BUNDLE).toString()));
    }

    /** Lets other uids walk down to the target, as the kubelet's directories let a pod's processes. */
    private void openPathTo(Path target) throws IOException {
        Files.setPosixFilePermissions(tempDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Path dir = target.getParent(); dir.startsWith(tempDir); dir = dir.getParent()) {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static int asUser(String userAndGroup, String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of(
                "setpriv",
                "--reuid=" + userAndGroup.split(":")[0],
                "--regid=" + userAndGroup.split(":")[1],
                "--clear-groups",
                "--"));
        full.addAll(List.of(command));
        Process process = new ProcessBuilder(full)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        return process.exitValue();
    }
}
