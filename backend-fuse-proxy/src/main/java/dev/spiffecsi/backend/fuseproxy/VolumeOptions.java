package dev.spiffecsi.backend.fuseproxy;

import static dev.spiffecsi.spi.BackendException.Failure.INVALID_REQUEST;

import dev.spiffecsi.backend.fuseproxy.files.FileLayout;
import dev.spiffecsi.backend.fuseproxy.files.FileOptions;
import dev.spiffecsi.backend.fuseproxy.files.JwtFileNames;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.PublishRequest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a pod asks its volume to hold, from the volume attributes of its inline volume ({@code volumeAttributes},
 * which reach the driver in the volume context). Read and checked before anything is mounted: a wrong attribute is
 * INVALID_ARGUMENT naming it.
 *
 * @param socket whether the volume holds the Workload API socket
 * @param files  the credential files it holds, if any
 */
record VolumeOptions(boolean socket, Optional<FileOptions> files) {

    static final String PREFIX = "csi.spiffe.io/";
    /** {@code socket} (the default), {@code files}, or both, comma-separated. */
    static final String CONTENTS = PREFIX + "contents";
    /** {@code spiffe} (the default), {@code spiffe-helper} or {@code cert-manager}. */
    static final String FILE_LAYOUT = PREFIX + "file-layout";
    /** Comma-separated audiences; one JWT-SVID file each. */
    static final String JWT_AUDIENCES = PREFIX + "jwt-audiences";
    /** {@code true} or {@code false} (the default). */
    static final String FEDERATED_BUNDLES = PREFIX + "federated-bundles";
    /** The key's and the tokens' permissions: read bits only, such as {@code 0440}. */
    static final String KEY_MODE = PREFIX + "key-mode";
    /** The numeric group owning the key and the tokens, usually the pod's fsGroup. */
    static final String KEY_GROUP = PREFIX + "key-group";

    static final Set<String> ATTRIBUTES = Set.of(CONTENTS, FILE_LAYOUT, JWT_AUDIENCES, FEDERATED_BUNDLES, KEY_MODE,
            KEY_GROUP);
    private static final Set<String> FILE_ATTRIBUTES = Set.of(FILE_LAYOUT, JWT_AUDIENCES, FEDERATED_BUNDLES, KEY_MODE,
            KEY_GROUP);
    static final String SOCKET = "socket";
    static final String FILES = "files";
    /** Plenty for a pod; each audience is a token to keep fresh. */
    static final int MAX_AUDIENCES = 16;
    private static final Pattern READ_ONLY_MODE = Pattern.compile("0?[04]{3}");
    private static final Pattern GROUP_ID = Pattern.compile("\\d{1,10}");
    private static final int SHARED_KEY_MODE = 0440;
    private static final int OPEN_KEY_MODE = 0444;

    /** @throws BackendException INVALID_REQUEST naming the attribute that is wrong */
    static VolumeOptions of(PublishRequest request) {
        request.requireOnlyAttributes(ATTRIBUTES, FuseProxyProvider.NAME);
        Map<String, String> attributes = request.podAttributes();
        Set<String> contents = contents(attributes.getOrDefault(CONTENTS, SOCKET));
        if (!contents.contains(FILES)) {
            for (String name : attributes.keySet()) {
                if (FILE_ATTRIBUTES.contains(name)) {
                    throw invalid(name, "applies to credential files only; add files to " + CONTENTS);
                }
            }
            return new VolumeOptions(true, Optional.empty());
        }
        FileLayout layout = Optional.ofNullable(attributes.get(FILE_LAYOUT)).map(value -> FileLayout.fromAttribute(value)
                .orElseThrow(() -> invalid(FILE_LAYOUT, "must be spiffe, spiffe-helper or cert-manager, got \""
                        + value + "\""))).orElse(FileLayout.SPIFFE);
        OptionalInt group = keyGroup(attributes.get(KEY_GROUP));
        int keyMode = attributes.containsKey(KEY_MODE) ? keyMode(attributes.get(KEY_MODE))
                : group.isPresent() ? SHARED_KEY_MODE : OPEN_KEY_MODE;
        return new VolumeOptions(contents.contains(SOCKET), Optional.of(new FileOptions(layout,
                audiences(attributes.get(JWT_AUDIENCES)), federated(attributes.get(FEDERATED_BUNDLES)), keyMode,
                group)));
    }

    private static Set<String> contents(String value) {
        Set<String> contents = new LinkedHashSet<>();
        for (String item : value.split(",", -1)) {
            String content = item.trim();
            if (!content.equals(SOCKET) && !content.equals(FILES) || !contents.add(content)) {
                throw invalid(CONTENTS, "must be socket, files, or socket,files, got \"" + value + "\"");
            }
        }
        return contents;
    }

    private static List<String> audiences(String value) {
        if (value == null) {
            return List.of();
        }
        List<String> audiences = new ArrayList<>();
        for (String item : value.split(",", -1)) {
            String audience = item.trim();
            if (audience.isEmpty()) {
                throw invalid(JWT_AUDIENCES, "must be a comma-separated list of audiences without empty ones, got \""
                        + value + "\"");
            }
            if (audience.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
                throw invalid(JWT_AUDIENCES, "audience \"" + audience + "\" contains a space or a control character");
            }
            if (audiences.contains(audience)) {
                throw invalid(JWT_AUDIENCES, "names audience \"" + audience + "\" twice");
            }
            if (JwtFileNames.of(audience).isEmpty()) {
                throw invalid(JWT_AUDIENCES, "audience \"" + audience + "\" is too long for a file name");
            }
            audiences.add(audience);
        }
        if (audiences.size() > MAX_AUDIENCES) {
            throw invalid(JWT_AUDIENCES, "names " + audiences.size() + " audiences; at most " + MAX_AUDIENCES);
        }
        return audiences;
    }

    private static boolean federated(String value) {
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw invalid(FEDERATED_BUNDLES, "must be true or false, got \"" + value + "\"");
    }

    private static int keyMode(String value) {
        if (!READ_ONLY_MODE.matcher(value).matches()) {
            throw invalid(KEY_MODE, "must be an octal mode granting read permission only, such as 0440, 0400 or "
                    + "0444, got \"" + value + "\"");
        }
        return Integer.parseInt(value, 8);
    }

    private static OptionalInt keyGroup(String value) {
        if (value == null) {
            return OptionalInt.empty();
        }
        if (!GROUP_ID.matcher(value).matches() || Long.parseLong(value) > Integer.MAX_VALUE) {
            throw invalid(KEY_GROUP, "must be a numeric group id (the pod's fsGroup, say), got \"" + value + "\"");
        }
        return OptionalInt.of(Integer.parseInt(value));
    }

    private static BackendException invalid(String attribute, String problem) {
        return new BackendException(INVALID_REQUEST, "volume attribute \"" + attribute + "\" " + problem);
    }
}
