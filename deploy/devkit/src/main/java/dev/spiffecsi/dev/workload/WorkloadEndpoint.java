package dev.spiffecsi.dev.workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How a workload reaches a Workload API socket. A Unix socket address holds at most {@value #MAX_SOCKET_PATH_BYTES}
 * bytes of path (sun_path is 108 bytes with the terminating NUL), and kubelet target paths below a temporary
 * directory easily exceed that; such a socket is reached through a short symbolic link to its directory, which
 * the kernel follows when connecting just as a container runtime's bind mount would make the path short.
 *
 * @param socket the socket's real path
 * @param alias  the short link to the socket's directory, when one was needed
 */
public record WorkloadEndpoint(Path socket, Optional<Path> alias) {

    public static final int MAX_SOCKET_PATH_BYTES = 107;

    /**
     * The endpoint of {@code socket}, creating the link {@code shortLink} to its directory when the path is too
     * long to connect to directly.
     */
    public static WorkloadEndpoint reach(Path socket, Path shortLink) throws IOException {
        if (fits(socket)) {
            return new WorkloadEndpoint(socket, Optional.empty());
        }
        Path link = Files.createSymbolicLink(shortLink, socket.getParent());
        if (!fits(link.resolve(socket.getFileName()))) {
            Files.delete(link);
            throw new IOException("even the link " + link + " to " + socket.getParent() + " makes a socket path "
                    + "longer than " + MAX_SOCKET_PATH_BYTES + " bytes; use a shorter directory");
        }
        return new WorkloadEndpoint(socket, Optional.of(link));
    }

    private static boolean fits(Path socket) {
        return socket.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_SOCKET_PATH_BYTES;
    }

    /** The {@code unix://} address to connect to. */
    public String address() {
        return "unix://" + alias.map(link -> link.resolve(socket.getFileName())).orElse(socket);
    }

    /** Removes the link, if there is one. */
    public void removeAlias() throws IOException {
        if (alias.isPresent()) {
            Files.deleteIfExists(alias.get());
        }
    }
}
