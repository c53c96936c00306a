package dev.spiffecsi.e2e.rig;

import dev.spiffecsi.e2e.rig.MountTable.Mount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What is left of a pod's volume on the node: mounts and directories below a path of the pod, the driver's state
 * records of its volumes, and files of the backend's own state that name the pod.
 *
 * @param node          for the kubelet's mount table
 * @param records       the driver's state records on the node
 */
public record PodRemains(RealNode node, StateRecords records) {

    /**
     * Everything left below {@code path} (the pod's directory, or only its volume's) and of the pod's state;
     * empty when nothing is.
     */
    public List<String> below(Path path, String podUid) {
        List<String> left = new ArrayList<>();
        MountTable mounts = MountTable.read(node.kubeletMountinfo());
        List<Mount> below = mounts.atOrBelow(path.toString());
        if (!below.isEmpty()) {
            left.add("mounts: " + mounts.describe(below));
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            left.add("directory " + path);
        }
        if (!records.ofPod(podUid).isEmpty()) {
            left.add("state records: " + records.ofPod(podUid));
        }
        List<Path> backendState = backendStateOf(podUid);
        if (!backendState.isEmpty()) {
            left.add("backend state: " + backendState);
        }
        return left;
    }

    /** Files or directories of the backends' own state (the state directory's backends/) naming the pod. */
    private List<Path> backendStateOf(String podUid) {
        Path backends = records.hostStateDir().resolve("backends");
        if (!Files.isDirectory(backends)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(backends)) {
            return files.filter(file -> file.getFileName().toString().contains(podUid))
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + backends, e);
        }
    }
}
