package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.fuse.FuseMount;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which processes still see an orphaned FUSE mount (one whose server, an earlier driver process, is gone), found
 * through the mount tables of every process (/proc/PID/mountinfo), one per mount namespace: with {@code hostPID}
 * the driver sees the containers' processes. A container whose volume mount does not receive propagation
 * (no {@code mountPropagation: HostToContainer}) keeps the dead mount as its topmost one at the volume's path, and
 * its clients get ENOTCONN for good; one that receives propagation has the restarted driver's mount stacked on top,
 * which hides the dead one.
 *
 * <p>A scan reads one small file per process and one mount table per namespace; its answer is kept for
 * {@link #CACHE_TIME}, so that the kubelet polling many volumes makes one scan. Processes that end or cannot be read
 * meanwhile are passed over.
 */
final class OrphanedMountHolders {

    static final Duration CACHE_TIME = Duration.ofSeconds(2);

    /** A process, one per mount namespace, that sees an orphaned mount. */
    record Holder(long pid, String namespace, String mountPoint) {
        @Override
        public String toString() {
            return "pid " + pid + " (" + namespace + ", at " + mountPoint + ")";
        }
    }

    private final Path proc;
    private final Clock clock;
    private Instant scannedAt = Instant.MIN;
    private Set<String> scannedFor = Set.of();
    private Map<String, List<Holder>> found = Map.of();

    OrphanedMountHolders(Path proc, Clock clock) {
        this.proc = proc;
        this.clock = clock;
    }

    /** For each of {@code devices} that some process still sees, those processes. */
    synchronized Map<String, List<Holder>> holders(Set<String> devices) {
        Instant now = clock.instant();
        if (!devices.equals(scannedFor) || Duration.between(scannedAt, now).compareTo(CACHE_TIME) >= 0) {
            found = scan(devices);
            scannedFor = Set.copyOf(devices);
            scannedAt = now;
        }
        return found;
    }

    private Map<String, List<Holder>> scan(Set<String> devices) {
        Map<String, List<Holder>> holders = new HashMap<>();
        Set<String> namespaces = new HashSet<>();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, "[0-9]*")) {
            for (Path process : processes) {
                String namespace;
                List<MountTable.Entry> table;
                try {
                    namespace =
                            Files.readSymbolicLink(process.resolve("ns/mnt")).toString();
                    if (!namespaces.add(namespace)) {
                        continue;
                    }
                    table = MountTable.read(process.resolve("mountinfo"));
                } catch (IOException | RuntimeException e) {
                    continue; // ended meanwhile, or not ours to read: nothing to learn from it
                }
                for (MountTable.Entry entry : table) {
                    if (devices.contains(entry.device())
                            && entry.fsType().equals(FuseMount.FS_TYPE)
                            && !MountTable.isCovered(table, entry)) {
                        holders.computeIfAbsent(entry.device(), d -> new ArrayList<>())
                                .add(new Holder(
                                        Long.parseLong(process.getFileName().toString()),
                                        namespace,
                                        entry.mountPoint()));
                    }
                }
            }
        } catch (IOException e) {
            return Map.of(); // no /proc: nothing can be told
        }
        return holders;
    }
}
