package dev.spiffecsi.spi.contract;

import dev.spiffecsi.spi.EngineContext;
import dev.spiffecsi.spi.MountSyscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.UUID;

/**
 * A miniature node for backend tests: a kubelet pods directory, an agent socket directory with a live
 * {@link FakeAgentSocket}, and a state directory, all below one temporary root.
 */
public final class ContractFixture implements AutoCloseable {

    public static final String SOCKET_NAME = "spire-agent.sock";

    private final Path root;
    private final Path podsDir;
    private final Path socketDir;
    private final Path stateDir;
    private final FakeAgentSocket agent;

    public ContractFixture(Path root) throws IOException {
        this.root = root;
        this.podsDir = Files.createDirectories(root.resolve("kubelet/pods"));
        this.socketDir = Files.createDirectories(root.resolve("agent-sockets"));
        this.stateDir = Files.createDirectories(root.resolve("state"));
        this.agent = new FakeAgentSocket(socketDir.resolve(SOCKET_NAME));
    }

    public Path root() {
        return root;
    }

    public Path podsDir() {
        return podsDir;
    }

    public Path socketDir() {
        return socketDir;
    }

    public Path stateDir() {
        return stateDir;
    }

    /**
     * Lays out a pod volume the way the kubelet and the engine do before a publish: the kubelet creates the
     * parent, the engine creates the empty target directory (mode 0750).
     */
    public Path newTarget() throws IOException {
        Path parent = podsDir.resolve(UUID.randomUUID().toString()).resolve("volumes/kubernetes.io~csi/spiffe");
        Files.createDirectories(parent);
        Path target = parent.resolve("mount");
        Files.createDirectory(
                target, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        return target;
    }

    /** An engine context for this node, using {@code socketDir} as the Workload API socket directory. */
    public EngineContext context(Path workloadApiSocketDir, MountSyscalls mounts, String backendName)
            throws IOException {
        Path backendState = Files.createDirectories(stateDir.resolve(backendName));
        return new EngineContext(
                "test-node",
                "csi.spiffe.io",
                workloadApiSocketDir,
                podsDir,
                backendState,
                Clock.systemUTC(),
                mounts,
                System.getLogger("test." + backendName));
    }

    @Override
    public void close() throws IOException {
        agent.close();
    }
}
