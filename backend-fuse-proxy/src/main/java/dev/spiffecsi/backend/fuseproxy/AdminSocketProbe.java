package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.spi.MountSyscalls;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether the SPIRE agent's admin socket is there and accepts connections: a cheap check for volume conditions,
 * answered from a cache for {@link #CACHE_TIME} so that the kubelet polling many volumes makes one connection.
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
            return mounts.stat(socket).isSocket() ? Optional.empty()
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
}
