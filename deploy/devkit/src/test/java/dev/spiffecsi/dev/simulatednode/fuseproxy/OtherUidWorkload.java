package dev.spiffecsi.dev.simulatednode.fuseproxy;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spiffecsi.dev.testing.ReadableClassPath;
import dev.spiffecsi.dev.workload.WorkloadEndpoint;
import dev.spiffecsi.driver.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The example workload (java-spiffe) as a process of another uid: a child JVM under
 * {@code setpriv --reuid=UID --regid=UID --clear-groups}, a real other peer on the socket, as a container running
 * as another user is. Root only; the calling test is skipped elsewhere.
 */
final class OtherUidWorkload {

    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    /** What the child printed (its X.509 context, or why it failed), and how it exited. */
    record Outcome(int exitCode, String output) {}

    private final int uid;
    private final String classPath;
    private final Path output;

    private OtherUidWorkload(int uid, String classPath, Path output) {
        this.uid = uid;
        this.classPath = classPath;
        this.output = output;
    }

    /**
     * Skips the calling test unless this process is root with setpriv at hand.
     *
     * @param scratch a directory for a copy of the class path that {@code uid} can read (the originals live in
     *                root's Maven repository), and for the child's output; it is made world-readable
     */
    static OtherUidWorkload prepare(int uid, Path scratch) throws IOException {
        assumeTrue(
                ownUid() == 0 && Files.isExecutable(SETPRIV),
                "skipped: starting a process as another uid needs root and " + SETPRIV);
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path classes = Files.createDirectory(scratch.resolve("classes"));
        return new OtherUidWorkload(uid, ReadableClassPath.copyTo(classes), scratch.resolve("output"));
    }

    /** Runs {@code workload -socket ADDRESS -updates 1}: the first X.509 context the child receives, printed. */
    Outcome firstUpdateFrom(String address) throws IOException, InterruptedException {
        // output to a file, not a pipe: reading a pipe would wait as long as a child that never gets an update
        Process child = new ProcessBuilder(
                        SETPRIV.toString(),
                        "--reuid=" + uid,
                        "--regid=" + uid,
                        "--clear-groups",
                        "--",
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-XX:-UsePerfData",
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        classPath,
                        Main.class.getName(),
                        "workload",
                        "-socket",
                        address,
                        "-updates",
                        "1")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly().waitFor();
            throw new IOException(
                    "the workload of uid " + uid + " did not exit; it printed:\n" + Files.readString(output));
        }
        return new Outcome(child.exitValue(), Files.readString(output));
    }

    /**
     * Lets every user search the directories below {@code root} on the way to the endpoint's socket and to its
     * short link. The kubelet makes a volume's parent directories 0750 for root: in a cluster a container reaches
     * its volume through its own mount and never walks them, but a process on this node must.
     */
    static void letEveryoneReach(WorkloadEndpoint endpoint, Path root) throws IOException {
        // the socket's directory is the volume's own root, 0755 already
        letEveryoneSearch(endpoint.socket().getParent().getParent(), root);
        if (endpoint.alias().isPresent()) {
            letEveryoneSearch(endpoint.alias().get().getParent(), root);
        }
    }

    private static void letEveryoneSearch(Path lowest, Path root) throws IOException {
        for (Path directory = lowest; directory.startsWith(root); directory = directory.getParent()) {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(directory);
            mode.add(PosixFilePermission.OTHERS_EXECUTE);
            Files.setPosixFilePermissions(directory, mode);
        }
    }

    private static int ownUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }
}
