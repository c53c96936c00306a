package dev.spiffecsi.dev.demo;

import dev.spiffecsi.backend.fuseproxy.protocol.FileLayout;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

/**
 * What {@code demo -files} shows of a volume's credential files: each file's mode, owner, size and name, as
 * {@code ls -l} would, and the SPIFFE ID of the certificate in the credential bundle. The bundle is read once, in
 * memory, as the filesystem-delivery draft tells applications to; its key is never printed nor copied.
 */
final class FilesListing {

    private static final String CERTIFICATE_BEGIN = "-----BEGIN CERTIFICATE-----\n";
    private static final String CERTIFICATE_END = "-----END CERTIFICATE-----";

    private FilesListing() {}

    static String of(Path volume) throws IOException, CertificateException {
        StringBuilder text = new StringBuilder();
        try (Stream<Path> entries = Files.list(volume)) {
            for (Path entry : entries.sorted().toList()) {
                int mode = (Integer) Files.getAttribute(entry, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                text.append(String.format(
                        "  %s %04o %d:%d %6d  %s%n",
                        type(mode),
                        mode & 07777,
                        (Integer) Files.getAttribute(entry, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                        (Integer) Files.getAttribute(entry, "unix:gid", LinkOption.NOFOLLOW_LINKS),
                        Files.size(entry),
                        entry.getFileName()));
            }
        }
        text.append("  the SPIFFE ID in ")
                .append(FileLayout.CREDENTIAL_BUNDLE)
                .append(": ")
                .append(spiffeId(
                        Files.readString(volume.resolve(FileLayout.CREDENTIAL_BUNDLE), StandardCharsets.US_ASCII)));
        return text.toString();
    }

    private static String type(int mode) {
        return switch (mode & 0170000) {
            case 0140000 -> "socket";
            case 0100000 -> "file  ";
            default -> "other ";
        };
    }

    /** The URI SAN of the leaf: the first CERTIFICATE block, after the key. */
    private static String spiffeId(String credentialBundle) throws CertificateException {
        int begin = credentialBundle.indexOf(CERTIFICATE_BEGIN);
        int end = credentialBundle.indexOf(CERTIFICATE_END, begin);
        if (begin < 0 || end < 0) {
            throw new CertificateException("the credential bundle holds no certificate");
        }
        byte[] der =
                Base64.getMimeDecoder().decode(credentialBundle.substring(begin + CERTIFICATE_BEGIN.length(), end));
        X509Certificate leaf = (X509Certificate)
                CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        List<List<?>> names =
                leaf.getSubjectAlternativeNames() == null ? List.of() : List.copyOf(leaf.getSubjectAlternativeNames());
        return names.stream()
                .filter(name -> (Integer) name.get(0) == 6)
                .map(name -> (String) name.get(1))
                .findFirst()
                .orElseThrow(() -> new CertificateException("the leaf certificate has no URI SAN"));
    }
}
