package dev.spiffecsi.hostile;

import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.MountSyscalls;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * A node in miniature below one short temporary directory (Unix socket paths hold at most 107 bytes): the kubelet
 * pods directory, the driver's state directory, the agent's socket directory, and {@code outside}, a sentinel tree
 * next to the pods directory that every escape the tier tries points into (never a real system path: a driver that
 * escaped would write there for real). Closing detaches every mount below the root, deepest first, and deletes the
 * tree without following links.
 */
final class NodeTree implements AutoCloseable {

    private final Path root;

    private NodeTree(Path root) {
        this.root = root;
    }

    static NodeTree create() throws IOException {
        NodeTree node =
                new NodeTree(Files.createTempDirectory(Path.of("/tmp"), "sh").toRealPath());
        for (Path directory :
                List.of(node.podsDir(), node.stateDir(), node.agentDir(), node.outside(), node.linksDir())) {
            Files.createDirectories(directory);
        }
        return node;
    }

    Path root() {
        return root;
    }

    Path podsDir() {
        return root.resolve("pods");
    }

    Path stateDir() {
        return root.resolve("state");
    }

    /** The records the engine keeps, one {@code *.json} per published target. */
    Path recordsDir() {
        return stateDir().resolve("volumes");
    }

    Path agentDir() {
        return root.resolve("agent");
    }

    Path adminSocket() {
        return root.resolve("admin").resolve("admin.sock");
    }

    Path csiSocket() {
        return root.resolve("csi.sock");
    }

    Path outside() {
        return root.resolve("outside");
    }

    /** Where short links to long socket paths go. */
    Path linksDir() {
        return root.resolve("l");
    }

    @Override
    public void close() throws IOException {
        MountSyscalls mounts = new JnaMountSyscalls();
        for (int round = 0; round < 3; round++) {
            List<String> below = MountTable.mountPointsBelow(root);
            if (below.isEmpty()) {
                break;
            }
            for (String mount : below.reversed()) {
                try {
                    mounts.umount2(Path.of(mount), MountSyscalls.MNT_DETACH);
                } catch (RuntimeException e) {
                    // detached with its parent already, or gone
                }
            }
        }
        List<String> left = MountTable.mountPointsBelow(root);
        if (!left.isEmpty()) {
            throw new IOException("not deleting " + root + ": mounts remain below it: " + left);
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException failure) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException failure) throws IOException {
                Files.deleteIfExists(directory);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
