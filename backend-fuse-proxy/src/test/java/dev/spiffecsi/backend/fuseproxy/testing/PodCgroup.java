package dev.spiffecsi.backend.fuseproxy.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A real cgroup named as the kubelet's systemd driver names a BestEffort pod's,
 * {@code kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid_>.slice} in the cgroup v2 hierarchy,
 * into which a test moves a child process: the process is then, as far as the kernel tells, in that pod. Root only
 * (with the cgroup v2 hierarchy mounted writable); a calling test is skipped elsewhere, saying why. Closing moves
 * whatever is left in the cgroup back to this process's own cgroup and removes what was created.
 */
public final class PodCgroup implements AutoCloseable {

    private static final String KUBEPODS = "kubepods.slice";
    private static final String QOS = "kubepods-besteffort.slice";

    private final Path hierarchy;
    private final Path own;
    private final List<Path> created;
    private final Path pod;

    private PodCgroup(Path hierarchy, Path own, List<Path> created, Path pod) {
        this.hierarchy = hierarchy;
        this.own = own;
        this.created = created;
        this.pod = pod;
    }

    /** Creates the cgroup of pod {@code uid}, or skips the calling test. */
    public static PodCgroup create(String uid) throws IOException {
        Optional<Path> hierarchy = cgroup2Mount();
        assumeTrue(hierarchy.isPresent(), "skipped: no cgroup v2 hierarchy is mounted");
        assumeTrue(
                Files.isWritable(hierarchy.get()) && "root".equals(System.getProperty("user.name")),
                "skipped: creating a cgroup needs root and a writable cgroup v2 hierarchy at " + hierarchy.get());
        Path own = hierarchy.get().resolve(ownCgroup().substring(1));
        List<Path> created = new ArrayList<>();
        Path dir = hierarchy.get();
        for (String name : List.of(KUBEPODS, QOS, "kubepods-besteffort-pod" + uid.replace('-', '_') + ".slice")) {
            dir = dir.resolve(name);
            if (!Files.isDirectory(dir)) {
                Files.createDirectory(dir);
                created.add(0, dir);
            }
        }
        return new PodCgroup(hierarchy.get(), own, created, dir);
    }

    /** Moves process {@code pid} into the pod's cgroup. */
    public void enter(long pid) throws IOException {
        Files.writeString(pod.resolve("cgroup.procs"), Long.toString(pid), StandardCharsets.US_ASCII);
    }

    /** The cgroup's path as {@code /proc/PID/cgroup} shows it on its {@code 0::} line. */
    public String path() {
        return "/" + hierarchy.relativize(pod);
    }

    @Override
    public void close() throws IOException {
        for (String pid : Files.readAllLines(pod.resolve("cgroup.procs"))) {
            try {
                Files.writeString(own.resolve("cgroup.procs"), pid, StandardCharsets.US_ASCII);
            } catch (IOException e) {
                // exited meanwhile
            }
        }
        for (Path dir : created) {
            try {
                Files.delete(dir);
            } catch (IOException e) {
                // a parent another test still uses; the pod's own cgroup is always removable once empty
                if (dir.equals(pod)) {
                    throw e;
                }
            }
        }
    }

    /** Where the cgroup v2 hierarchy is mounted: {@code /sys/fs/cgroup} or, on a hybrid node, below it. */
    private static Optional<Path> cgroup2Mount() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] halves = line.split(" - ", 2);
            if (halves.length == 2 && halves[1].startsWith("cgroup2 ")) {
                return Optional.of(Path.of(halves[0].split(" ")[4]));
            }
        }
        return Optional.empty();
    }

    /** This process's cgroup v2 path (the {@code 0::} line). */
    private static String ownCgroup() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/cgroup")).stream()
                .filter(line -> line.startsWith("0::"))
                .map(line -> line.substring(3))
                .findFirst()
                .orElse("/");
    }
}
