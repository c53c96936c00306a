package dev.spiffecsi.e2e.rig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spiffecsi.e2e.support.Exec;
import dev.spiffecsi.e2e.support.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real single-node Kubernetes of {@code ../shared/realnode} (see its README): its scripts ({@code up.sh},
 * {@code down.sh}, {@code image.sh}, {@code ns.sh}), and what the tier reads on the node itself: the kubelet's
 * process, log and stats summary, containerd's containers.
 */
public final class RealNode {

    /** The rig's fixed node name: where the scheduler places every pod (the rig has one node). */
    public static final String NODE_NAME = "realnode";

    private static final String CONTAINERD_SOCKET = "/run/containerd/containerd.sock";
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The rig's default kubelet flags (every CSI call logged) plus the CSIVolumeHealth feature gate (alpha in
     * 1.31), with which the kubelet turns an abnormal volume condition from NodeGetVolumeStats into a pod event
     * and into {@code volumeHealthStats} in its stats summary: the tier checks that the driver's conditions reach
     * the kubelet.
     */
    static final String KUBELET_ARGS =
            "--v=2 --vmodule=csi_client=4,csi_mounter=4,csi_plugin=4 " + "--feature-gates=CSIVolumeHealth=true";

    /**
     * The controller manager and the scheduler run ({@code REALNODE_CONTROLLERS=1}): the driver's DaemonSet gets its
     * pod from the real DaemonSet controller, pods are placed by the scheduler, namespace deletion cascades. up.sh
     * refuses other settings while the rig runs, so the tier takes a running rig down before its up.sh.
     */
    static final String CONTROLLERS = "1";

    private final Path scripts;
    private final Path dir;
    private final Path logs;

    private RealNode(Path scripts, Path dir, Path logs) {
        this.scripts = scripts;
        this.dir = dir;
        this.logs = logs;
    }

    /**
     * The rig next to the project ({@code ../shared/realnode}, or {@code $SPIFFECSI_REALNODE}), writing the output
     * of its scripts below {@code logs}; empty, with the reason, where the tier cannot run.
     */
    public static Availability locate(Path projectRoot, Path logs) {
        Path scripts = Optional.ofNullable(System.getenv("SPIFFECSI_REALNODE"))
                .map(Path::of)
                .orElse(projectRoot.resolve("../shared/realnode"))
                .toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(scripts.resolve("up.sh"))) {
            return Availability.unavailable("no real-node rig at " + scripts + " (../shared/realnode from the "
                    + "project root, or $SPIFFECSI_REALNODE)");
        }
        if (new com.sun.security.auth.module.UnixSystem().getUid() != 0) {
            return Availability.unavailable("the rig at " + scripts + " needs root (up.sh starts a kubelet)");
        }
        Path dir = Path.of(Optional.ofNullable(System.getenv("REALNODE_DIR")).orElse("/var/tmp/realnode"));
        return new Availability(Optional.of(new RealNode(scripts, dir, logs)), "");
    }

    /** The rig, or why the tier cannot run here. */
    public record Availability(Optional<RealNode> node, String whyNot) {
        static Availability unavailable(String why) {
            return new Availability(Optional.empty(), why);
        }
    }

    public Path scripts() {
        return scripts;
    }

    /**
     * The kubelet must see the mounts this JVM sees (the tier reads the node's mount table, and the driver's
     * mounts reach the kubelet through the mount namespace the rig runs in): a rig started in another mount
     * namespace (by hand, outside test.sh's private one) cannot be used.
     */
    public Optional<String> whyNotInThisMountNamespace() {
        Optional<Long> kubelet = kubeletPid();
        if (kubelet.isEmpty()) {
            return Optional.empty();
        }
        try {
            Path theirs = Files.readSymbolicLink(Path.of("/proc", kubelet.get().toString(), "ns/mnt"));
            Path ours = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt"));
            return theirs.equals(ours)
                    ? Optional.empty()
                    : Optional.of("the rig's kubelet (pid " + kubelet.get() + ") runs in mount namespace " + theirs
                            + ", this test in " + ours + ": it was started elsewhere (by hand, outside ./test.sh?); "
                            + "stop it with " + scripts.resolve("down.sh") + " and run the tier again");
        } catch (IOException e) {
            return Optional.of("cannot compare mount namespaces with the kubelet's: " + e.getMessage());
        }
    }

    /**
     * Starts what is not running (installing the rig's Debian packages the first time) and waits for Ready.
     *
     * <p>up.sh checks that a process it just started runs its program by reading {@code /proc/PID/exe}, and on a
     * busy machine it can look before setsid has exec'd the program: it then says "kubelet exited" of a kubelet
     * that runs. Once the process is seen running its program, up.sh is run again (it starts nothing twice) so
     * that it waits for the node to be Ready.
     */
    public void up() {
        try {
            script("up.sh", List.of(), Duration.ofMinutes(10));
        } catch (IllegalStateException e) {
            if (!e.getMessage().contains(" exited (log ") || !allRunning()) {
                throw e;
            }
            Progress.log("up.sh reported a component exited that runs (it looked before the exec): running it again");
            script("up.sh", List.of(), Duration.ofMinutes(10));
        }
    }

    /** Whether the four processes the rig records run their programs (as up.sh checks them). */
    private boolean allRunning() {
        return List.of("etcd", "kube-apiserver", "containerd", "kubelet").stream()
                .allMatch(component -> pidRunning(component).isPresent());
    }

    /** Deletes the pods (volumes unpublished for real), stops everything, undoes the rig's host changes. */
    public void down() {
        script("down.sh", List.of(), Duration.ofMinutes(5));
    }

    /** Makes a namespace usable for pods (its default service account and CA config maps). */
    public void prepareNamespace(String namespace) {
        script("ns.sh", List.of(namespace), Duration.ofMinutes(1));
    }

    /**
     * Turns {@code rootfs} into a local image named {@code name}, replacing an image of that name; returns the
     * name as the CRI looks it up.
     */
    public String importImage(Path rootfs, String name, List<String> entrypoint) {
        List<String> args = new ArrayList<>(List.of(rootfs.toString(), name));
        if (!entrypoint.isEmpty()) {
            try {
                args.addAll(List.of("--entrypoint", JSON.writeValueAsString(entrypoint)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return script("image.sh", args, Duration.ofMinutes(5)).stdout().strip();
    }

    /** A program of the rig's archive (kubectl, node-driver-registrar, livenessprobe), once up.sh unpacked it. */
    public Path binary(String name) {
        return dir.resolve("bin").resolve(name);
    }

    public Path kubeconfig() {
        return dir.resolve("etc/admin.kubeconfig");
    }

    public Path kubeletLog() {
        return dir.resolve("logs/kubelet.log");
    }

    public Optional<Long> kubeletPid() {
        return pidRunning("kubelet");
    }

    /** The recorded pid of a component of the rig, if that process runs the component's program. */
    private Optional<Long> pidRunning(String component) {
        try {
            long pid = Long.parseLong(Files.readString(dir.resolve("pids").resolve(component + ".pid"))
                    .strip());
            Path exe = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe"));
            return exe.getFileName().toString().startsWith(component) ? Optional.of(pid) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The kubelet's own view of the mounts: its mount namespace's table. */
    public Path kubeletMountinfo() {
        return Path.of(
                "/proc",
                kubeletPid()
                        .orElseThrow(() -> new IllegalStateException("the kubelet is not " + "running"))
                        .toString(),
                "mountinfo");
    }

    /**
     * Stops the kubelet (SIGTERM, as systemd would) and starts it again with up.sh, which waits for a heartbeat of
     * the new kubelet and the node Ready. Pods keep running: their containers belong to containerd.
     */
    public void restartKubelet() {
        long pid = kubeletPid().orElseThrow(() -> new IllegalStateException("the kubelet is not running"));
        ProcessHandle kubelet = ProcessHandle.of(pid).orElseThrow();
        kubelet.destroy();
        try {
            kubelet.onExit().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the kubelet (pid " + pid + ") did not stop within 60s of SIGTERM", e);
        }
        up();
    }

    /** GET {@code /stats/summary} on the kubelet's port, with the rig's admin certificate (see the rig's README). */
    public JsonNode statsSummary() {
        Path pki = dir.resolve("pki");
        Exec.Result result = Exec.run(
                        List.of(
                                "curl",
                                "-sS",
                                "--fail",
                                "--max-time",
                                "20",
                                "--cacert",
                                pki.resolve("ca.crt").toString(),
                                "--cert",
                                pki.resolve("admin.crt").toString(),
                                "--key",
                                pki.resolve("admin.key").toString(),
                                "https://127.0.0.1:10250/stats/summary"),
                        Duration.ofSeconds(30))
                .orThrow();
        try {
            return JSON.readTree(result.stdout());
        } catch (IOException e) {
            throw new IllegalStateException("the kubelet's stats summary is not JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Kills a container's process with {@code signal} through containerd, as a crash would: the kubelet restarts
     * it (restartPolicy Always). Not {@code kill} inside the container: the driver's pod shares the host's PID
     * namespace (hostPID), where pid 1 is the host's init.
     *
     * @param containerId the id in the pod status's container id field ({@code containerd://ID})
     */
    public void killContainer(String containerId, String signal) {
        String id = containerId.replaceFirst("^containerd://", "");
        Exec.run(
                        List.of(
                                "ctr",
                                "--address",
                                CONTAINERD_SOCKET,
                                "-n",
                                "k8s.io",
                                "tasks",
                                "kill",
                                "-s",
                                signal,
                                id),
                        Duration.ofSeconds(30))
                .orThrow();
    }

    /**
     * Removes images from the rig's containerd (down.sh keeps its images for the next up.sh): the tier's own, so
     * that it leaves nothing behind. Missing ones are fine.
     */
    public void removeImages(List<String> names) {
        List<String> command =
                new ArrayList<>(List.of("ctr", "--address", CONTAINERD_SOCKET, "-n", "k8s.io", "images", "rm"));
        command.addAll(names);
        Exec.run(command, Duration.ofMinutes(1)).orThrow();
    }

    /** The command line of a container's main process, arguments joined by spaces, as the node's /proc has it. */
    public String commandLine(String containerId) {
        return procFile(containerId, "cmdline").replace('\0', ' ');
    }

    /** A file of /proc/PID of a container's main process, as the node sees it (e.g. its mountinfo). */
    public String procFile(String containerId, String file) {
        String id = containerId.replaceFirst("^containerd://", "");
        String tasks = Exec.run(
                        List.of("ctr", "--address", CONTAINERD_SOCKET, "-n", "k8s.io", "tasks", "ls"),
                        Duration.ofSeconds(30))
                .orThrow()
                .stdout();
        String pid = tasks.lines()
                .map(line -> line.trim().split("\\s+"))
                .filter(fields -> fields.length >= 2 && fields[0].equals(id))
                .map(fields -> fields[1])
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no task of container " + id + " in:\n" + tasks));
        try {
            return Files.readString(Path.of("/proc", pid, file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stores {@code source} under its name with {@code tag} in the rig's containerd as well (the same image: what a
     * registry's second tag of one build would be); returns the new name.
     */
    public String tagImage(String source, String tag) {
        String target = source.substring(0, source.lastIndexOf(':') + 1) + tag;
        Exec.run(
                        List.of(
                                "ctr",
                                "--address",
                                CONTAINERD_SOCKET,
                                "-n",
                                "k8s.io",
                                "images",
                                "tag",
                                "--force",
                                source,
                                target),
                        Duration.ofMinutes(1))
                .orThrow();
        return target;
    }

    private Exec.Result script(String name, List<String> args, Duration timeout) {
        List<String> command =
                new ArrayList<>(List.of("bash", scripts.resolve(name).toString()));
        command.addAll(args);
        Exec.Result result = Exec.run(
                command,
                null,
                Map.of(
                        "REALNODE_DIR",
                        dir.toString(),
                        "REALNODE_KUBELET_ARGS",
                        KUBELET_ARGS,
                        "REALNODE_CONTROLLERS",
                        CONTROLLERS),
                timeout);
        log(result);
        if (!result.ok()) {
            throw new IllegalStateException("the rig's " + name + " failed: " + result.describe());
        }
        return result;
    }

    /** The scripts' own output goes to a file (up.sh and down.sh tell what they did, step by step). */
    private void log(Exec.Result result) {
        try {
            Files.createDirectories(logs);
            Files.writeString(
                    logs.resolve("realnode.log"),
                    "==== " + String.join(" ", result.command()) + " (exit " + result.exit() + ")\n" + result.stdout()
                            + result.stderr(),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            Progress.log("cannot append to " + logs.resolve("realnode.log") + ": " + e.getMessage());
        }
    }
}
