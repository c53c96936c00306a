package dev.spiffecsi.dev.demo;

import dev.spiffecsi.backend.fuseproxy.FuseProxyProvider;
import dev.spiffecsi.config.ConfigLoader;
import dev.spiffecsi.config.ConfigSources;
import dev.spiffecsi.config.DriverFlags;
import dev.spiffecsi.config.LoadedConfig;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A miniature node below one temporary directory: the agent's socket directory and admin socket, the driver's CSI
 * socket and state, the kubelet pods directory, and a directory for short links. The directory's name is kept short because a Unix
 * socket path holds at most 107 bytes, and the driver's and the agent's sockets live right below it.
 */
public final class NodeLayout {

    public static final String AGENT_SOCKET_NAME = "agent.sock";
    private static final String NODE_ID = "demo-node";

    private final Path root;

    private NodeLayout(Path root) {
        this.root = root;
    }

    /** A new node under a fresh {@code /tmp/sc…} directory (mode 0700). */
    public static NodeLayout createTemporary() throws IOException {
        NodeLayout node = new NodeLayout(Files.createTempDirectory("sc"));
        Files.createDirectories(node.podsDir());
        Files.createDirectories(node.linksDir());
        return node;
    }

    public Path root() {
        return root;
    }

    public Path agentSocket() {
        return root.resolve("agent").resolve(AGENT_SOCKET_NAME);
    }

    /**
     * Where the agent serves its Delegated Identity API, for the fuse-proxy backend. Not in the agent's socket
     * directory: the other backends hand that whole directory to every pod, and only the driver may call this one.
     */
    public Path adminSocket() {
        return root.resolve("admin").resolve("admin.sock");
    }

    public Path csiSocket() {
        return root.resolve("csi.sock");
    }

    public Path podsDir() {
        return root.resolve("pods");
    }

    public Path stateDir() {
        return root.resolve("state");
    }

    /** Where a short link named {@code name} may go. */
    public Path shortLink(String name) {
        return linksDir().resolve(name);
    }

    private Path linksDir() {
        return root.resolve("l");
    }

    /**
     * The driver's configuration for this node, as the flags of {@code serve} would give it. The process
     * environment is left out on purpose: the demo and the tests must not change with {@code SPIFFE_CSI_*}
     * variables set for a real driver.
     */
    public LoadedConfig driverConfig(String backend, ClassLoader classLoader) {
        return driverConfig(backend, Map.of(), classLoader);
    }

    /**
     * The same, with settings of the backend's own section ({@code identity} for fuse-proxy, say), keys relative
     * to it. The fuse-proxy backend is always pointed at this node's {@link #adminSocket()}, names its one
     * socket per volume like the agent's socket, so that a workload finds {@value #AGENT_SOCKET_NAME} in its
     * volume whichever backend published it, and does not check that callers belong to the volume's pod
     * ({@code require-pod-cgroup = false}, which {@code backendSettings} may turn back on).
     */
    public LoadedConfig driverConfig(String backend, Map<String, String> backendSettings, ClassLoader classLoader) {
        Map<String, String> flags = new HashMap<>(Map.of(
                DriverFlags.KEYS.get("node-id"), NODE_ID,
                DriverFlags.KEYS.get("csi-socket-path"), csiSocket().toString(),
                DriverFlags.KEYS.get("workload-api-socket-dir"),
                        agentSocket().getParent().toString(),
                DriverFlags.KEYS.get("kubelet-pods-dir"), podsDir().toString(),
                DriverFlags.KEYS.get("state-dir"), stateDir().toString(),
                DriverFlags.KEYS.get("backend"), backend));
        Map<String, String> ownSettings = new HashMap<>();
        if (backend.equals(FuseProxyProvider.NAME)) {
            ownSettings.put("admin-socket-path", adminSocket().toString());
            ownSettings.put("socket-name", AGENT_SOCKET_NAME);
            // the workloads of this miniature node (the demo's, the tests') are plain processes of this machine, in
            // no pod's cgroup: the check that a caller belongs to the volume's pod would refuse every one of them
            ownSettings.put("require-pod-cgroup", "false");
        }
        ownSettings.putAll(backendSettings);
        ownSettings.forEach((key, value) -> flags.put(ConfigLoader.BACKENDS + "." + backend + "." + key, value));
        return ConfigLoader.load(new ConfigSources(flags, Map.of(), Optional.empty(), classLoader));
    }

    /**
     * Deletes the node's directory tree without following links. Refuses while anything is mounted below it: a
     * recursive delete must never reach into a mount.
     */
    public void delete() throws IOException {
        List<Path> mounts = Leftovers.mountsBelow(root);
        if (!mounts.isEmpty()) {
            throw new IOException("not deleting " + root + ": mounts remain below it: " + mounts);
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                Files.delete(directory);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
