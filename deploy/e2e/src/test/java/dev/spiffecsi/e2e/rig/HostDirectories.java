package dev.spiffecsi.e2e.rig;

import dev.spiffecsi.e2e.rig.MountTable.Mount;
import dev.spiffecsi.e2e.support.Exec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The node directories the deployed pods create ({@code hostPath} volumes of type {@code DirectoryOrCreate}: the
 * agent socket directory, the driver's state and CSI socket directories), which the rig's down.sh does not know
 * about. Those that did not exist before the tier are removed after down.sh, so the tier leaves nothing behind.
 */
public final class HostDirectories {

    private final Set<Path> created;

    private HostDirectories(Set<Path> created) {
        this.created = created;
    }

    /** For each directory, the topmost of it and its parents that does not exist yet (what the kubelet will make). */
    public static HostDirectories before(List<Path> directories) {
        Set<Path> created = new LinkedHashSet<>();
        for (Path directory : directories) {
            Path topmostMissing = null;
            for (Path p = directory.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
                topmostMissing = p;
            }
            if (topmostMissing != null) {
                created.add(topmostMissing);
            }
        }
        return new HostDirectories(created);
    }

    /**
     * Removes what the tier created, unless something is still mounted below it (then it says so instead: a mount
     * left after down.sh is a finding, never to be hidden by removing its mount point).
     *
     * @return what could not be removed, and why
     */
    public List<String> removeCreated(MountTable mounts) {
        List<String> problems = new ArrayList<>();
        for (Path directory : created) {
            List<Mount> below = mounts.atOrBelow(directory.toString());
            if (!below.isEmpty()) {
                problems.add(directory + " still has mounts: " + mounts.describe(below));
                continue;
            }
            Exec.Result removed =
                    Exec.run(List.of("rm", "-rf", "--one-file-system", directory.toString()), Duration.ofMinutes(1));
            if (!removed.ok()) {
                problems.add(removed.describe());
            }
        }
        return problems;
    }

    public Set<Path> created() {
        return Set.copyOf(created);
    }
}
