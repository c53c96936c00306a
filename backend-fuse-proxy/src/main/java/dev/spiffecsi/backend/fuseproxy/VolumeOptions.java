package dev.spiffecsi.backend.fuseproxy;

import static dev.spiffecsi.spi.BackendException.Failure.INVALID_REQUEST;

import dev.spiffecsi.backend.fuseproxy.files.FileOptions;
import dev.spiffecsi.backend.fuseproxy.files.JwtFileNames;
import dev.spiffecsi.backend.fuseproxy.protocol.FileLayout;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.LogSafe;
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
    /**
     * The key's and the tokens' permissions: read bits only, such as {@code 0440}; by default {@code 0440} with a
     * group, else {@code 0400}.
     */
    static final String KEY_MODE = PREFIX + "key-mode";
    /** The numeric group owning the key and the tokens; by default the pod's fsGroup (the volume mount group). */
    static final String KEY_GROUP = PREFIX + "key-group";

    static final Set<String> ATTRIBUTES =
            Set.of(CONTENTS, FILE_LAYOUT, JWT_AUDIENCES, FEDERATED_BUNDLES, KEY_MODE, KEY_GROUP);
    private static final Set<String> FILE_ATTRIBUTES =
            Set.of(FILE_LAYOUT, JWT_AUDIENCES, FEDERATED_BUNDLES, KEY_MODE, KEY_GROUP);
    static final String SOCKET = "socket";
    static final String FILES = "files";
    /** Plenty for a pod; each audience is a token to keep fresh. */
    static final int MAX_AUDIENCES = 16;
    /**
     * The longest audience: its file name, {@code <audience>.jwt-svid.token}, must fit in NAME_MAX (255 bytes), and
     * fewer are left when the audience has characters that are percent-encoded.
     */
    static final int MAX_AUDIENCE_CHARS = 255 - FileLayout.JWT_SVID_SUFFIX.length();
    /** Longer than any valid item of {@code contents}, short enough that no item is copied at length. */
    private static final int MAX_CONTENT_CHARS = 16;

    private static final Pattern READ_ONLY_MODE = Pattern.compile("0?[04]{3}");
    private static final Pattern GROUP_ID = Pattern.compile("\\d{1,10}");
    /** The key's mode with a group (the pod's fsGroup or {@code key-group}): root and that group may read it. */
    static final int GROUP_KEY_MODE = 0440;
    /**
     * The key's mode without any group: only root in the pod may read it, never every uid of every container;
     * {@code key-mode: "0444"} opens it to all when a pod wants that.
     */
    static final int ROOT_KEY_MODE = 0400;

    /**
     * The options of a publish. The attributes are read in one pass each, stopping at the first item past a limit,
     * and an error quotes at most a truncated, escaped prefix of a value: a pod sets them, and may set megabytes.
     *
     * @throws BackendException INVALID_REQUEST naming the attribute that is wrong
     */
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
        FileLayout layout = Optional.ofNullable(attributes.get(FILE_LAYOUT))
                .map(value -> FileLayout.fromAttribute(value)
                        .orElseThrow(() -> invalid(
                                FILE_LAYOUT,
                                "must be spiffe, spiffe-helper or cert-manager, got " + LogSafe.value(value))))
                .orElse(FileLayout.SPIFFE);
        OptionalInt group = keyGroup(attributes.get(KEY_GROUP), request.volumeMountGroup());
        int keyMode = attributes.containsKey(KEY_MODE)
                ? keyMode(attributes.get(KEY_MODE))
                : group.isPresent() ? GROUP_KEY_MODE : ROOT_KEY_MODE;
        return new VolumeOptions(
                contents.contains(SOCKET),
                Optional.of(new FileOptions(
                        layout,
                        audiences(attributes.get(JWT_AUDIENCES)),
                        federated(attributes.get(FEDERATED_BUNDLES)),
                        keyMode,
                        group)));
    }

    private static Set<String> contents(String value) {
        Set<String> contents = new LinkedHashSet<>();
        CommaList items = new CommaList(value);
        while (items.hasNext()) {
            String content = contents.size() < 2 ? items.next(MAX_CONTENT_CHARS) : null;
            if (content == null || (!content.equals(SOCKET) && !content.equals(FILES)) || !contents.add(content)) {
                throw invalid(CONTENTS, "must be socket, files, or socket,files, got " + LogSafe.value(value));
            }
        }
        return contents;
    }

    private static List<String> audiences(String value) {
        if (value == null) {
            return List.of();
        }
        List<String> audiences = new ArrayList<>();
        CommaList items = new CommaList(value);
        while (items.hasNext()) {
            int number = audiences.size() + 1;
            if (number > MAX_AUDIENCES) {
                throw invalid(JWT_AUDIENCES, "names more than " + MAX_AUDIENCES + " audiences");
            }
            String audience = items.next(MAX_AUDIENCE_CHARS);
            if (audience == null) {
                throw invalid(
                        JWT_AUDIENCES,
                        "audience " + number + " is longer than " + MAX_AUDIENCE_CHARS
                                + " characters, too long for a file name");
            }
            if (audience.isEmpty()) {
                throw invalid(
                        JWT_AUDIENCES,
                        "audience " + number + " is empty: give a comma-separated list of " + "audiences, got "
                                + LogSafe.value(value));
            }
            if (audience.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
                throw invalid(
                        JWT_AUDIENCES,
                        "audience " + LogSafe.value(audience) + " contains a space or a " + "control character");
            }
            if (audiences.contains(audience)) { // at most MAX_AUDIENCES to compare with
                throw invalid(JWT_AUDIENCES, "names audience " + LogSafe.value(audience) + " twice");
            }
            if (JwtFileNames.of(audience).isEmpty()) {
                throw invalid(
                        JWT_AUDIENCES,
                        "audience " + LogSafe.value(audience) + " is too long for a file name "
                                + "once percent-encoded");
            }
            audiences.add(audience);
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
        throw invalid(FEDERATED_BUNDLES, "must be true or false, got " + LogSafe.value(value));
    }

    private static int keyMode(String value) {
        if (!READ_ONLY_MODE.matcher(value).matches()) {
            throw invalid(
                    KEY_MODE,
                    "must be an octal mode granting read permission only, such as 0440, 0400 or " + "0444, got "
                            + LogSafe.value(value));
        }
        return Integer.parseInt(value, 8);
    }

    /** {@code key-group} when the pod sets it, else the volume mount group (the pod's fsGroup), if any. */
    private static OptionalInt keyGroup(String value, OptionalInt volumeMountGroup) {
        if (value == null) {
            return volumeMountGroup;
        }
        if (!GROUP_ID.matcher(value).matches() || Long.parseLong(value) > Integer.MAX_VALUE) {
            throw invalid(
                    KEY_GROUP, "must be a numeric group id (the pod's fsGroup, say), got " + LogSafe.value(value));
        }
        return OptionalInt.of(Integer.parseInt(value));
    }

    private static BackendException invalid(String attribute, String problem) {
        return new BackendException(INVALID_REQUEST, "volume attribute \"" + attribute + "\" " + problem);
    }
}
