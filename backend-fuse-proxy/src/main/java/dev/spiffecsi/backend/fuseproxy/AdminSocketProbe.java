package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.spi.Health;
import dev.spiffecsi.spi.MountSyscalls;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether the SPIRE agent's admin socket is there and accepts connections: a cheap check for volume conditions,
 * answered from a cache for {@link #CACHE_TIME} so that the kubelet polling many volumes makes one connection; and
 * the backend's health, which depends on the socket's directory alone.
 */
final class AdminSocketProbe {

    static final Duration CACHE_TIME = Duration.ofSeconds(1);

    private final Path socket;
    private final MountSyscalls mounts;
    private final Clock clock;
    private Instant checkedAt = Instant.MIN;
    private Optional<String> problem = Optional.empty();

    AdminSocketProbe(Path socket, MountSyscalls mounts, Clock clock) {
        this.socket = socket;
        this.mounts = mounts;
        this.clock = clock;
    }

    Path socket() {
        return socket;
    }

    /** Why the socket does not exist as a socket; empty when it does. Not cached: no connection is made. */
    Optional<String> whyMissing() {
        try {
            return mounts.stat(socket).isSocket()
                    ? Optional.empty()
                    : Optional.of(socket + " exists but is not a socket");
        } catch (IOException e) {
            return Optional.of(socket + " does not exist (" + e.getMessage() + ")");
        }
    }

    /** Why the agent cannot be reached on its admin socket; empty when a connection succeeds. */
    synchronized Optional<String> whyUnreachable() {
        Instant now = clock.instant();
        if (Duration.between(checkedAt, now).compareTo(CACHE_TIME) < 0) {
            return problem;
        }
        problem = whyMissing().or(this::whyConnectFails);
        checkedAt = now;
        return problem;
    }

    private Optional<String> whyConnectFails() {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot connect to " + socket + ": " + e.getMessage());
        }
    }

    /**
     * Ready while the directory of the agent's admin socket is there, even when the socket itself is missing or
     * refuses connections: a not-ready Probe makes the livenessprobe restart the driver, and a restart kills every
     * volume's filesystem (which the next process then has to stack a new mount on). An agent that is down is
     * reported per volume by its condition instead. A missing directory is a misconfiguration that no amount of
     * waiting repairs.
     */
    Health health() {
        Path directory = socket.getParent();
        if (directory != null && !Files.isDirectory(directory)) {
            return Health.notReady("the directory " + directory + " of the SPIRE agent's admin socket (Delegated "
                    + "Identity API) is missing; is admin-socket-path right, and the agent's socket directory mounted "
                    + "into the driver?");
        }
        String state = whyUnreachable()
                .map(why -> "unreachable for now (" + why + "); volumes report it in their condition until "
                        + "the agent is back")
                .orElse("accepting connections");
        return Health.ready("proxying the Workload API to the SPIRE agent's Delegated Identity API at " + socket
                + ": its admin socket is " + state);
    }
}
