package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.server.VolumeLimits;
import dev.spiffecsi.spi.BackendConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code spiffe-csi.backends.fuse-proxy} section, read and checked eagerly: a bad setting stops the driver at
 * startup with a message naming the key. Defaults are in this module's reference.conf.
 *
 * @param socketName         the one socket each volume shows
 * @param adminSocket        the SPIRE agent's admin socket (Delegated Identity API), as the driver sees it
 * @param identity           how callers are named to the agent
 * @param socketMode         the socket's permissions; connecting needs write permission
 * @param unmountBusyTimeout how long an unpublish retries a busy unmount before detaching it
 * @param agentTimeout       how long the agent may take to answer a call, or the first message of a stream
 * @param filesPublishWait   how long a publish of a volume with credential files waits for them before it returns
 * @param requirePodCgroup   whether a caller must belong to the volume's pod (its cgroup), in either identity mode
 * @param limits             what one volume's pod may make the driver hold
 * @param nodeMaxConnections Workload API connections open at a time on all volumes together
 * @param nodeMaxCalls       Workload API calls in progress at a time on all volumes together
 */
record FuseProxySettings(
        String socketName,
        Path adminSocket,
        IdentityMode identity,
        Set<PosixFilePermission> socketMode,
        Duration unmountBusyTimeout,
        Duration agentTimeout,
        Duration filesPublishWait,
        boolean requirePodCgroup,
        VolumeLimits limits,
        int nodeMaxConnections,
        int nodeMaxCalls) {

    static final String SOCKET_NAME = "socket-name";
    static final String ADMIN_SOCKET_PATH = "admin-socket-path";
    static final String IDENTITY = "identity";
    static final String SOCKET_MODE = "socket-mode";
    static final String UNMOUNT_BUSY_TIMEOUT = "unmount-busy-timeout";
    static final String AGENT_TIMEOUT = "agent-timeout";
    static final String FILES_PUBLISH_WAIT = "files-publish-wait";
    static final String MAX_CONNECTIONS = "limits.max-connections";
    static final String MAX_CALLS_PER_CONNECTION = "limits.max-calls-per-connection";
    static final String MAX_CALLS = "limits.max-calls";
    static final String MAX_REQUEST_SIZE = "limits.max-request-size";
    static final String MAX_HEADER_LIST_SIZE = "limits.max-header-list-size";
    static final String CONNECTION_IDLE_TIMEOUT = "limits.connection-idle-timeout";
    static final String HANDSHAKE_TIMEOUT = "limits.handshake-timeout";
    static final String MAX_OPEN_FILES = "limits.max-open-files";
    static final String NODE_MAX_CONNECTIONS = "limits.node-max-connections";
    static final String NODE_MAX_CALLS = "limits.node-max-calls";
    static final String REQUIRE_POD_CGROUP = "require-pod-cgroup";
    private static final Set<String> KEYS = Set.of(
            SOCKET_NAME,
            ADMIN_SOCKET_PATH,
            IDENTITY,
            SOCKET_MODE,
            UNMOUNT_BUSY_TIMEOUT,
            AGENT_TIMEOUT,
            FILES_PUBLISH_WAIT,
            REQUIRE_POD_CGROUP,
            MAX_CONNECTIONS,
            MAX_CALLS_PER_CONNECTION,
            MAX_CALLS,
            MAX_REQUEST_SIZE,
            MAX_HEADER_LIST_SIZE,
            CONNECTION_IDLE_TIMEOUT,
            HANDSHAKE_TIMEOUT,
            MAX_OPEN_FILES,
            NODE_MAX_CONNECTIONS,
            NODE_MAX_CALLS);

    /** sockaddr_un.sun_path holds 107 bytes and a terminating NUL. */
    private static final int MAX_SOCKET_ADDRESS = 107;
    /** The socket is bound as /proc/self/fd/NNNNNNNNNN/NAME, which must fit in a socket address. */
    private static final int MAX_SOCKET_NAME = MAX_SOCKET_ADDRESS - "/proc/self/fd/2147483647/".length();

    private static final Pattern OCTAL_MODE = Pattern.compile("0?[0-7]{3}");
    /** A size in bytes: a number, or a number with a binary unit as HOCON writes them (64KiB, 1M). */
    private static final Pattern SIZE = Pattern.compile("(\\d{1,10})\\s*(B|K|k|Ki|KiB|M|m|Mi|MiB)?");

    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;
    /** gRPC's own default for request messages; nothing of the Workload API comes near it. */
    private static final int MAX_REQUEST_SIZE_CEILING = 4 * MIB;
    /** gRPC's own default header list size is 8 KiB; no Workload API client sends more than a few hundred bytes. */
    private static final int MAX_HEADER_LIST_SIZE_CEILING = MIB;

    static FuseProxySettings from(BackendConfig config) {
        Set<String> unknown = new TreeSet<>(config.keys());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) {
            throw config.invalid(
                    unknown.iterator().next(), "is not a setting of this backend (known: " + new TreeSet<>(KEYS) + ")");
        }
        return new FuseProxySettings(
                socketName(config),
                adminSocket(config),
                identity(config),
                socketMode(config),
                nonNegative(config, UNMOUNT_BUSY_TIMEOUT),
                positive(config, AGENT_TIMEOUT),
                nonNegative(config, FILES_PUBLISH_WAIT),
                config.getBoolean(REQUIRE_POD_CGROUP),
                limits(config),
                count(config, NODE_MAX_CONNECTIONS),
                count(config, NODE_MAX_CALLS));
    }

    private static VolumeLimits limits(BackendConfig config) {
        return new VolumeLimits(
                count(config, MAX_CONNECTIONS),
                count(config, MAX_CALLS_PER_CONNECTION),
                count(config, MAX_CALLS),
                size(config, MAX_REQUEST_SIZE, KIB, MAX_REQUEST_SIZE_CEILING),
                size(config, MAX_HEADER_LIST_SIZE, KIB, MAX_HEADER_LIST_SIZE_CEILING),
                positive(config, CONNECTION_IDLE_TIMEOUT),
                positive(config, HANDSHAKE_TIMEOUT),
                count(config, MAX_OPEN_FILES));
    }

    private static int count(BackendConfig config, String key) {
        int value = config.getInt(key);
        if (value <= 0) {
            throw config.invalid(key, "must be at least 1, got " + value);
        }
        return value;
    }

    /** A size in bytes between {@code min} and {@code max}. */
    private static int size(BackendConfig config, String key, int min, int max) {
        String value = config.getString(key).trim();
        Matcher matcher = SIZE.matcher(value);
        if (!matcher.matches()) {
            throw config.invalid(key, "must be a size such as 65536, 64KiB or 1MiB, got \"" + value + "\"");
        }
        String unit = matcher.group(2) == null ? "B" : matcher.group(2);
        long bytes = Long.parseLong(matcher.group(1))
                * switch (unit.charAt(0)) {
                    case 'K', 'k' -> KIB;
                    case 'M', 'm' -> MIB;
                    default -> 1;
                };
        if (bytes < min || bytes > max) {
            throw config.invalid(key, "must be between " + min + " and " + max + " bytes, got \"" + value + "\"");
        }
        return (int) bytes;
    }

    private static String socketName(BackendConfig config) {
        String name = config.getString(SOCKET_NAME);
        if (name.isEmpty()
                || name.equals(".")
                || name.equals("..")
                || name.indexOf('/') >= 0
                || name.indexOf('\0') >= 0) {
            throw config.invalid(SOCKET_NAME, "must be a plain file name, got \"" + name + "\"");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_NAME) {
            throw config.invalid(SOCKET_NAME, "must be at most " + MAX_SOCKET_NAME + " bytes long");
        }
        return name;
    }

    private static Path adminSocket(BackendConfig config) {
        Path path = config.getAbsolutePath(ADMIN_SOCKET_PATH);
        if (path.getFileName() == null) {
            throw config.invalid(ADMIN_SOCKET_PATH, "must name a socket, got \"" + path + "\"");
        }
        if (path.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_ADDRESS) {
            throw config.invalid(
                    ADMIN_SOCKET_PATH, "must be at most " + MAX_SOCKET_ADDRESS + " bytes long (a Unix socket address)");
        }
        return path;
    }

    private static IdentityMode identity(BackendConfig config) {
        String value = config.getString(IDENTITY);
        return IdentityMode.fromSetting(value)
                .orElseThrow(() -> config.invalid(IDENTITY, "must be pid or pod-selectors, got \"" + value + "\""));
    }

    private static Set<PosixFilePermission> socketMode(BackendConfig config) {
        String value = config.getString(SOCKET_MODE).trim();
        if (!OCTAL_MODE.matcher(value).matches()) {
            throw config.invalid(
                    SOCKET_MODE, "must be an octal permission mode such as \"0666\", got \"" + value + "\"");
        }
        int mode = Integer.parseInt(value, 8);
        if ((mode & 0222) == 0) {
            throw config.invalid(
                    SOCKET_MODE,
                    "must grant write permission to someone: connecting to a socket " + "needs it, got \"" + value
                            + "\"");
        }
        StringBuilder symbolic = new StringBuilder();
        String letters = "rwx";
        for (int bit = 8; bit >= 0; bit--) {
            symbolic.append((mode & (1 << bit)) != 0 ? letters.charAt((8 - bit) % 3) : '-');
        }
        return PosixFilePermissions.fromString(symbolic.toString());
    }

    private static Duration nonNegative(BackendConfig config, String key) {
        Duration value = config.getDuration(key);
        if (value.isNegative()) {
            throw config.invalid(key, "must not be negative, got " + value);
        }
        return value;
    }

    private static Duration positive(BackendConfig config, String key) {
        Duration value = config.getDuration(key);
        if (value.isNegative() || value.isZero()) {
            throw config.invalid(key, "must be positive, got " + value);
        }
        return value;
    }
}
