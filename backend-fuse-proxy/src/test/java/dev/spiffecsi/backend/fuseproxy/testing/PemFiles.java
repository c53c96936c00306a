package dev.spiffecsi.backend.fuseproxy.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM as a reader of credential files parses it, in memory only (the tests never copy a served key anywhere):
 * strict about the layout the filesystem-delivery draft requires (nothing between blocks, no headers).
 */
public final class PemFiles {

    /** One block: its type and DER. */
    @SuppressWarnings("ArrayRecordComponent") // a decoded block handed to a parser, never compared
    public record Block(String type, byte[] der) {}

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z ]+)-----\n([A-Za-z0-9+/=\n]+)\n-----END \\1-----\n");

    private PemFiles() {}

    /** The blocks of {@code content}; fails if anything else is there. */
    public static List<Block> blocks(byte[] content) throws IOException {
        String text = new String(content, StandardCharsets.US_ASCII);
        Matcher matcher = BLOCK.matcher(text);
        List<Block> blocks = new ArrayList<>();
        int end = 0;
        while (matcher.find()) {
            if (matcher.start() != end) {
                throw new IOException("data between PEM blocks at " + end);
            }
            String base64 = matcher.group(2);
            for (String line : base64.split("\n")) {
                if (line.length() > 64) {
                    throw new IOException("a PEM line longer than 64 characters");
                }
            }
            blocks.add(new Block(matcher.group(1), Base64.getMimeDecoder().decode(base64)));
            end = matcher.end();
        }
        if (end != text.length() || blocks.isEmpty()) {
            throw new IOException("not only PEM blocks: " + (text.length() - end) + " bytes left");
        }
        return blocks;
    }

    public static List<X509Certificate> certificates(List<Block> blocks) throws GeneralSecurityException {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Block block : blocks) {
            if (block.type().equals("CERTIFICATE")) {
                certificates.add((X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(block.der())));
            }
        }
        return certificates;
    }

    /** The one PRIVATE KEY block (PKCS#8) as an EC key. */
    public static PrivateKey privateKey(List<Block> blocks) throws GeneralSecurityException {
        List<Block> keys = blocks.stream()
                .filter(block -> block.type().equals("PRIVATE KEY"))
                .toList();
        if (keys.size() != 1) {
            throw new GeneralSecurityException(keys.size() + " PRIVATE KEY blocks");
        }
        return KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(keys.getFirst().der()));
    }

    /** Whether {@code key} is the private half of {@code certificate}'s public key: it signs what the latter verifies. */
    public static boolean matches(PrivateKey key, X509Certificate certificate) throws GeneralSecurityException {
        byte[] data = new byte[32];
        new SecureRandom().nextBytes(data);
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(data);
        return verifier.verify(signature);
    }

    /** The URI SAN of a certificate: its SPIFFE ID. */
    public static String spiffeId(X509Certificate certificate) throws GeneralSecurityException {
        return certificate.getSubjectAlternativeNames().stream()
                .filter(san -> (Integer) san.get(0) == 6)
                .map(san -> (String) san.get(1))
                .findFirst()
                .orElseThrow(() -> new GeneralSecurityException("no URI SAN"));
    }
}
