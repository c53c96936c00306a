package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.spi.BackendConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
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
 */
record FuseProxySettings(String socketName, Path adminSocket, IdentityMode identity,
                         Set<PosixFilePermission> socketMode, Duration unmountBusyTimeout, Duration agentTimeout,
                         Duration filesPublishWait, boolean requirePodCgroup) {

    static final String SOCKET_NAME = "socket-name";
    static final String ADMIN_SOCKET_PATH = "admin-socket-path";
    static final String IDENTITY = "identity";
    static final String SOCKET_MODE = "socket-mode";
    static final String UNMOUNT_BUSY_TIMEOUT = "unmount-busy-timeout";
    static final String AGENT_TIMEOUT = "agent-timeout";
    static final String FILES_PUBLISH_WAIT = "files-publish-wait";
    static final String REQUIRE_POD_CGROUP = "require-pod-cgroup";
    private static final Set<String> KEYS = Set.of(SOCKET_NAME, ADMIN_SOCKET_PATH, IDENTITY, SOCKET_MODE,
            UNMOUNT_BUSY_TIMEOUT, AGENT_TIMEOUT, FILES_PUBLISH_WAIT, REQUIRE_POD_CGROUP);

    /** sockaddr_un.sun_path holds 107 bytes and a terminating NUL. */
    private static final int MAX_SOCKET_ADDRESS = 107;
    /** The socket is bound as /proc/self/fd/NNNNNNNNNN/NAME, which must fit in a socket address. */
    private static final int MAX_SOCKET_NAME = MAX_SOCKET_ADDRESS - "/proc/self/fd/2147483647/".length();
    private static final Pattern OCTAL_MODE = Pattern.compile("0?[0-7]{3}");

    static FuseProxySettings from(BackendConfig config) {
        Set<String> unknown = new TreeSet<>(config.keys());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) {
            throw config.invalid(unknown.iterator().next(), "is not a setting of this backend (known: "
                    + new TreeSet<>(KEYS) + ")");
        }
        return new FuseProxySettings(socketName(config), adminSocket(config), identity(config), socketMode(config),
                nonNegative(config, UNMOUNT_BUSY_TIMEOUT), positive(config, AGENT_TIMEOUT),
                nonNegative(config, FILES_PUBLISH_WAIT), config.getBoolean(REQUIRE_POD_CGROUP));
    }

    private static String socketName(BackendConfig config) {
        String name = config.getString(SOCKET_NAME);
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
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
            throw config.invalid(ADMIN_SOCKET_PATH, "must be at most " + MAX_SOCKET_ADDRESS
                    + " bytes long (a Unix socket address)");
        }
        return path;
    }

    private static IdentityMode identity(BackendConfig config) {
        String value = config.getString(IDENTITY);
        return IdentityMode.fromSetting(value).orElseThrow(() -> config.invalid(IDENTITY,
                "must be pid or pod-selectors, got \"" + value + "\""));
    }

    private static Set<PosixFilePermission> socketMode(BackendConfig config) {
        String value = config.getString(SOCKET_MODE).trim();
        if (!OCTAL_MODE.matcher(value).matches()) {
            throw config.invalid(SOCKET_MODE, "must be an octal permission mode such as \"0666\", got \""
                    + value + "\"");
        }
        int mode = Integer.parseInt(value, 8);
        if ((mode & 0222) == 0) {
            throw config.invalid(SOCKET_MODE, "must grant write permission to someone: connecting to a socket "
                    + "needs it, got \"" + value + "\"");
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
