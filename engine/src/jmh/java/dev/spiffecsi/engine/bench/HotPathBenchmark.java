package dev.spiffecsi.engine.bench;

import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.engine.volume.PublishCommand;
import dev.spiffecsi.engine.volume.RequestValidator;
import dev.spiffecsi.engine.volume.TargetPathPolicy;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.PublishRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The per-request work that does not depend on the backend: validating a NodePublishVolume request (including
 * the lstat walk that confines the target path) and the statx mount-point check that answers a republish.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HotPathBenchmark {

    private Path root;
    private RequestValidator validator;
    private PublishCommand command;
    private MountSyscalls syscalls;
    private Path target;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        root = Files.createTempDirectory("jmh");
        Path pods = Files.createDirectories(root.resolve("pods"));
        target = Files.createDirectories(pods.resolve(
                "8f7c2c1e-1111-4a2b-9c3d-123456789abc/volumes/" + "kubernetes.io~csi/spiffe-workload-api/mount"));
        validator = new RequestValidator(new TargetPathPolicy(pods), false);
        command = new PublishCommand(
                "csi-0123456789abcdef",
                target.toString(),
                "",
                new PublishCommand.Capability(
                        PublishCommand.AccessType.MOUNT, "", List.of(), PublishCommand.AccessMode.SINGLE_NODE_WRITER),
                true,
                Map.of(
                        "csi.storage.k8s.io/ephemeral",
                        "true",
                        "csi.storage.k8s.io/pod.name",
                        "workload",
                        "csi.storage.k8s.io/pod.namespace",
                        "default",
                        "csi.storage.k8s.io/pod.uid",
                        "8f7c2c1e-1111-4a2b-9c3d-123456789abc",
                        "csi.storage.k8s.io/serviceAccount.name",
                        "default"));
        syscalls = new JnaMountSyscalls();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public PublishRequest validatePublish() {
        return validator.validate(command);
    }

    @Benchmark
    public MountSyscalls.FileStatus mountPointCheck() throws IOException {
        return syscalls.stat(target);
    }
}
