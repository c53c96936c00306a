package dev.spiffecsi.engine.testing;

import dev.spiffecsi.engine.csi.CsiServices;
import dev.spiffecsi.engine.csi.proto.IdentityGrpc;
import dev.spiffecsi.engine.csi.proto.NodeGrpc;
import dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.VolumeCapability;
import dev.spiffecsi.engine.metrics.DriverMetrics;
import dev.spiffecsi.engine.state.StateStore;
import dev.spiffecsi.engine.volume.RequestValidator;
import dev.spiffecsi.engine.volume.TargetPathPolicy;
import dev.spiffecsi.engine.volume.VolumeEngine;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;

/** An engine with a {@link FakeBackend} behind in-process CSI services, and request builders. */
public final class EngineFixture implements AutoCloseable {

    public final Path podsDir;
    public final Path stateDir;
    public final FakeBackend backend = new FakeBackend();
    public final VolumeEngine engine;
    /** The pod every {@link #publish} request names. */
    public static final String POD_UID = "uid-1";

    public final DriverMetrics metrics;
    public final NodeGrpc.NodeBlockingStub node;
    public final IdentityGrpc.IdentityBlockingStub identity;
    private final Server server;
    private final ManagedChannel channel;

    public EngineFixture(Path root, boolean requireReadonly) throws IOException {
        podsDir = Files.createDirectories(root.resolve("pods"));
        stateDir = Files.createDirectories(root.resolve("state"));
        engine = new VolumeEngine(
                new RequestValidator(new TargetPathPolicy(podsDir), requireReadonly),
                StateStore.open(stateDir, podsDir),
                backend,
                "fake",
                Clock.systemUTC());
        String name = "engine-" + UUID.randomUUID();
        InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
        metrics = new DriverMetrics(
                engine::publishedVolumes, () -> engine.health().ready());
        CsiServices.create("csi.spiffe.io", "test-version", "node-1", engine, metrics)
                .forEach(builder::addService);
        server = builder.build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        node = NodeGrpc.newBlockingStub(channel);
        identity = IdentityGrpc.newBlockingStub(channel);
    }

    /**
     * A kubelet-style target of the pod {@link #publish} names ({@value #POD_UID}), whose parent exists, as the kubelet
     * leaves it before a publish; each call a volume of its own name.
     */
    public Path newTarget() throws IOException {
        Path parent = podsDir.resolve(POD_UID)
                .resolve("volumes/kubernetes.io~csi")
                .resolve(UUID.randomUUID().toString());
        Files.createDirectories(parent);
        return parent.resolve("mount");
    }

    /** A valid kubelet-style publish request. */
    public static NodePublishVolumeRequest.Builder publish(String volumeId, Path target) {
        return publish(volumeId, target.toString());
    }

    /** A valid kubelet-style publish request; the target as a raw string, which may be malformed on purpose. */
    public static NodePublishVolumeRequest.Builder publish(String volumeId, String target) {
        return NodePublishVolumeRequest.newBuilder()
                .setVolumeId(volumeId)
                .setTargetPath(target)
                .setReadonly(true)
                .setVolumeCapability(VolumeCapability.newBuilder()
                        .setMount(VolumeCapability.MountVolume.getDefaultInstance())
                        .setAccessMode(VolumeCapability.AccessMode.newBuilder()
                                .setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)))
                .putVolumeContext("csi.storage.k8s.io/ephemeral", "true")
                .putVolumeContext("csi.storage.k8s.io/pod.name", "workload")
                .putVolumeContext("csi.storage.k8s.io/pod.namespace", "default")
                .putVolumeContext("csi.storage.k8s.io/pod.uid", podUidOf(target))
                .putVolumeContext("csi.storage.k8s.io/serviceAccount.name", "default");
    }

    /**
     * The pod a kubelet target belongs to, {@code <pods>/<uid>/volumes/kubernetes.io~csi/<name>/mount}, as the kubelet
     * names it in the volume context; {@value #POD_UID} for any other path, or a pod directory no UID could name (which the engine then refuses, as it
     * refuses a request for one pod with another pod's target).
     */
    static String podUidOf(String target) {
        String[] segments = target.split("/");
        int n = segments.length;
        if (n >= 6
                && segments[n - 1].equals("mount")
                && segments[n - 3].equals("kubernetes.io~csi")
                && segments[n - 4].equals("volumes")
                && segments[n - 5].matches("[A-Za-z0-9][-A-Za-z0-9_]*")) {
            return segments[n - 5];
        }
        return POD_UID;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.shutdownNow();
    }
}
