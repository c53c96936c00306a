package dev.spiffecsi.backend.fuseproxy.files;

import dev.spiffecsi.backend.fuseproxy.protocol.FileLayout;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The file name of an audience's JWT-SVID: the audience percent-encoded as in a URI (RFC 3986: letters, digits and
 * {@code -._~} stay, every other byte of its UTF-8 becomes {@code %XX}), then {@value FileLayout#JWT_SVID_SUFFIX}.
 * Lossless, so two audiences never share a file, and predictable: {@code vault} gives
 * {@code vault.jwt-svid.token}, {@code spiffe://example.org/db} gives
 * {@code spiffe%3A%2F%2Fexample.org%2Fdb.jwt-svid.token}.
 */
public final class JwtFileNames {

    /** NAME_MAX. */
    private static final int MAX_NAME = 255;

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private JwtFileNames() {}

    /** The file name, or empty when it would be longer than a file name may be. */
    public static Optional<String> of(String audience) {
        StringBuilder name = new StringBuilder();
        for (byte b : audience.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                name.append(c);
            } else {
                name.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
            }
        }
        name.append(FileLayout.JWT_SVID_SUFFIX);
        return name.length() <= MAX_NAME ? Optional.of(name.toString()) : Optional.empty();
    }
}
