package dev.spiffecsi.hostile;

import dev.spiffecsi.dev.kubelet.KubeletRequests;
import dev.spiffecsi.dev.kubelet.Pod;
import dev.spiffecsi.dev.kubelet.PodVolumeLayout;
import dev.spiffecsi.engine.csi.proto.NodeGetVolumeStatsRequest;
import dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.NodeUnpublishVolumeRequest;
import dev.spiffecsi.engine.csi.proto.VolumeCapability;
import dev.spiffecsi.spi.PodInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * Generates the CSI fuzzer's steps from a seed: the same seed and node give the same steps in the same order. Most
 * steps are what a kubelet sends for one of a pool of pods (so that real mounts happen and are taken down again),
 * mutated one way or two: volume ids (empty, huge, NUL, unicode, another pod's), target paths ({@code ..},
 * {@code .}, double and trailing slashes, relative, outside the pods directory, NUL, 4 KiB names, 4,096+ characters),
 * volume contexts of every size up to a few MB and every key (the kubelet's, {@code csi.storage.k8s.io/junk},
 * a huge {@code pod.name}, unknown ones), capabilities (missing, block, fs_type, mount flags, every access mode) and
 * readonly both ways; some steps swap symlinks in at trap pods' volume directories, and some are mutated bytes.
 *
 * <p>Each escape points into the node's sentinel tree ({@code outside}), never at a real system path.
 */
final class CsiFuzzer {

    /** Above this, a volume_context is refused by any sane limit (the issue asks for 16 KiB). */
    static final int CONTEXT_MUST_REFUSE_BYTES = 64 * 1024;
    /** Kubernetes' own limit for a pod name (a DNS subdomain). */
    static final int POD_NAME_LIMIT = 253;
    /** How many volume contexts of a MB or more one run sends at most: each costs the driver a few MB to parse. */
    static final int MAX_HUGE_CONTEXTS = 24;

    private static final String JUNK = "csi.storage.k8s.io/junk";
    private static final String UNICODE = "vølüme-ünïcødé-漢字-🙂";

    private final Random random;
    private final Path podsDir;
    private final Path outside;
    private final PodVolumeLayout layout;
    private final List<Pod> pods;
    private final List<Pod> traps;
    private int hugeContexts;

    CsiFuzzer(long seed, Path podsDir, Path outside, int pods, int traps) {
        this.random = new Random(seed);
        this.podsDir = podsDir;
        this.outside = outside;
        this.layout = new PodVolumeLayout(podsDir);
        this.pods = new ArrayList<>();
        this.traps = new ArrayList<>();
        for (int i = 0; i < pods; i++) {
            this.pods.add(pod("pod-" + i));
        }
        for (int i = 0; i < traps; i++) {
            this.traps.add(pod("trap-" + i));
        }
    }

    /** A pod with a uid drawn from the seed, so that paths repeat with the seed. */
    private Pod pod(String name) {
        return new Pod(
                name,
                "ns-" + random.nextInt(4),
                new UUID(random.nextLong(), random.nextLong()).toString(),
                "sa-" + random.nextInt(4),
                Pod.DEFAULT_VOLUME_NAME,
                random.nextBoolean());
    }

    List<Pod> pods() {
        return List.copyOf(pods);
    }

    List<Pod> traps() {
        return List.copyOf(traps);
    }

    PodVolumeLayout layout() {
        return layout;
    }

    /** The sentinel directory a trap pod's volume directory is swapped to (the mount below it must never appear). */
    Path trapOutside(int trap) {
        return outside.resolve("trap-" + trap);
    }

    /** The next step of the main phase. */
    FuzzStep next() {
        int roll = random.nextInt(1000);
        if (roll < 30) {
            return new FuzzStep.Swap(
                    random.nextInt(traps.size()),
                    random.nextInt(3) == 0 ? FuzzStep.SwapKind.TARGET : FuzzStep.SwapKind.PARENT);
        }
        if (roll < 60) {
            return raw();
        }
        if (roll < 120) {
            return trapCall();
        }
        if (roll < 640) {
            return publish(anyPod());
        }
        if (roll < 900) {
            return unpublish(anyPod());
        }
        return stats(anyPod());
    }

    /** A publish, unpublish or stats call on a trap pod's target, for the phase that races symlink swaps. */
    FuzzStep trapCall() {
        Pod trap = traps.get(random.nextInt(traps.size()));
        int roll = random.nextInt(10);
        return roll < 6
                ? kubeletPublish(trap, "trap")
                : roll < 9 ? kubeletUnpublish(trap, "trap") : kubeletStats(trap, "trap");
    }

    /** A call on one target, for the phase of concurrent calls: kubelet-like, readonly both ways. */
    FuzzStep oneTargetCall(Pod pod) {
        int roll = random.nextInt(10);
        if (roll < 5) {
            NodePublishVolumeRequest base = KubeletRequests.publish(layout, pod);
            return random.nextBoolean()
                    ? kubeletPublish(pod, "same-target")
                    : call(
                            CsiRpc.PUBLISH,
                            base.toBuilder().setReadonly(!base.getReadonly()).build(),
                            "same-target readonly flipped",
                            null);
        }
        return roll < 8 ? kubeletUnpublish(pod, "same-target") : kubeletStats(pod, "same-target");
    }

    private Pod anyPod() {
        return pods.get(random.nextInt(pods.size()));
    }

    private FuzzStep.Call kubeletPublish(Pod pod, String label) {
        return call(CsiRpc.PUBLISH, KubeletRequests.publish(layout, pod), label, null);
    }

    private FuzzStep.Call kubeletUnpublish(Pod pod, String label) {
        return call(CsiRpc.UNPUBLISH, KubeletRequests.unpublish(layout, pod), label, null);
    }

    private FuzzStep.Call kubeletStats(Pod pod, String label) {
        return call(
                CsiRpc.STATS,
                NodeGetVolumeStatsRequest.newBuilder()
                        .setVolumeId(layout.volumeId(pod))
                        .setVolumePath(layout.targetPath(pod).toString())
                        .build(),
                label,
                null);
    }

    private static FuzzStep.Call call(
            CsiRpc rpc, com.google.protobuf.Message request, String label, String mustRefuse) {
        String volumeId;
        String target;
        switch (request) {
            case NodePublishVolumeRequest publish -> {
                volumeId = publish.getVolumeId();
                target = publish.getTargetPath();
            }
            case NodeUnpublishVolumeRequest unpublish -> {
                volumeId = unpublish.getVolumeId();
                target = unpublish.getTargetPath();
            }
            case NodeGetVolumeStatsRequest stats -> {
                volumeId = stats.getVolumeId();
                target = stats.getVolumePath();
            }
            default -> throw new IllegalArgumentException(request.getClass().getName());
        }
        return new FuzzStep.Call(rpc, request, label, mustRefuse, volumeId, target);
    }

    // ---- publish --------------------------------------------------------------------------------------------

    private FuzzStep.Call publish(Pod pod) {
        NodePublishVolumeRequest.Builder request = KubeletRequests.publish(layout, pod).toBuilder();
        int mutations = random.nextInt(100) < 40 ? 0 : random.nextInt(100) < 80 ? 1 : 2;
        List<String> labels = new ArrayList<>();
        // per field: a later mutation of the same field replaces the earlier one, and so does its reason to refuse
        Map<String, String> refusals = new LinkedHashMap<>();
        for (int i = 0; i < mutations; i++) {
            int field = random.nextInt(10);
            Mutation mutation = switch (field) {
                case 0, 1 -> mutateVolumeId(request, pod);
                case 2, 3, 4 -> mutateTarget(request::setTargetPath, pod);
                case 5, 6, 7 -> mutateContext(request);
                case 8 -> mutateCapability(request);
                default -> {
                    request.setReadonly(!request.getReadonly());
                    yield new Mutation("readonly flipped", null);
                }
            };
            labels.add(mutation.label());
            // a capability mutation replaces the capability's earlier one: "access mode missing" followed by
            // "access mode 1" is a request with an access mode
            String key = field <= 1
                    ? "id"
                    : field <= 4
                            ? "target"
                            : field <= 7 ? contextKey(mutation, i) : field == 8 ? "capability" : "other " + i;
            refusals.put(key, mutation.mustRefuse());
        }
        String mustRefuse = refusals.values().stream()
                .filter(java.util.Objects::nonNull)
                .findFirst()
                .orElse(null);
        return call(
                CsiRpc.PUBLISH, request.build(), labels.isEmpty() ? "kubelet" : String.join(" + ", labels), mustRefuse);
    }

    /**
     * Which part of the volume context a mutation changed, so that a later mutation of the same key replaces the
     * earlier one's reason to refuse: a 16 KiB pod.name followed by "pod info missing" (which removes pod.name) is no
     * longer a request with a too long pod.name.
     */
    private static String contextKey(Mutation mutation, int index) {
        String label = mutation.label();
        if (label.startsWith("pod.name") || label.equals("pod info missing")) {
            return "context pod.name";
        }
        if (label.startsWith("ephemeral")) {
            return "context ephemeral";
        }
        return "context " + index;
    }

    /** What a mutation did, and why OK would then be wrong ({@code null}: OK may be right). */
    private record Mutation(String label, String mustRefuse) {}

    private Mutation mutateVolumeId(NodePublishVolumeRequest.Builder request, Pod pod) {
        String id = volumeIdMutation(pod);
        request.setVolumeId(id);
        return new Mutation("volume_id " + describeId(id), refusalForId(id));
    }

    private String volumeIdMutation(Pod pod) {
        return switch (random.nextInt(7)) {
            case 0 -> "";
            case 1 -> "csi-" + "x".repeat(1021 + random.nextInt(4));
            case 2 -> "csi-" + "x".repeat(64 * 1024 + random.nextInt(64 * 1024));
            case 3 -> layout.volumeId(pod) + "\0" + "evil";
            case 4 -> "csi-" + UNICODE + "-" + random.nextInt(1000);
            case 5 -> layout.volumeId(anyPod());
            default -> layout.volumeId(pod) + "\n\u001b[31mforged log line";
        };
    }

    private static String describeId(String id) {
        if (id.isEmpty()) {
            return "empty";
        }
        if (id.indexOf('\0') >= 0) {
            return "with NUL";
        }
        if (id.length() > 1024) {
            return "of " + (id.length() > 4096 ? "64+ KiB" : "1025+ chars");
        }
        if (id.indexOf('\n') >= 0) {
            return "with newline and escapes";
        }
        return id.contains(UNICODE) ? "unicode" : "of another pod";
    }

    private static String refusalForId(String id) {
        if (id.isEmpty()) {
            return "an empty volume_id";
        }
        if (id.indexOf('\0') >= 0) {
            return "a volume_id with NUL";
        }
        return id.length() > 1024 ? "a volume_id over 1024 characters" : null;
    }

    private Mutation mutateTarget(java.util.function.Consumer<String> setter, Pod pod) {
        String target = layout.targetPath(pod).toString();
        String relativeToPods = target.substring(podsDir.toString().length() + 1);
        Path sentinel = outside.resolve("victim-" + random.nextInt(4));
        String mutated;
        String label;
        String refusal = "target_path outside the pods directory or not normalized";
        switch (random.nextInt(14)) {
            case 0 -> {
                mutated = podsDir + "/" + pod.uid() + "/../../outside/" + sentinel.getFileName() + "/mount";
                label = "target with ..";
            }
            case 1 -> {
                mutated = podsDir + "/./" + relativeToPods;
                label = "target with .";
            }
            case 2 -> {
                mutated = podsDir + "//" + relativeToPods;
                label = "target with //";
            }
            case 3 -> {
                mutated = target + "/";
                label = "target with trailing /";
            }
            case 4 -> {
                mutated = relativeToPods;
                label = "relative target";
            }
            case 5 -> {
                mutated = sentinel.resolve("mount").toString();
                label = "target outside";
            }
            case 6 -> {
                mutated = podsDir.toString();
                label = "target = pods dir";
            }
            case 7 -> {
                mutated = podsDir.getParent()
                        .resolve(podsDir.getFileName() + "-evil")
                        .resolve(pod.uid())
                        .resolve("mount")
                        .toString();
                label = "target in a sibling named like the pods dir";
            }
            case 8 -> {
                mutated = target.substring(0, target.length() - "mount".length()) + "mo\0unt";
                label = "target with NUL";
            }
            case 9 -> {
                mutated = target + "/" + "n".repeat(4096);
                label = "target with a 4 KiB name";
            }
            case 10 -> {
                StringBuilder deep =
                        new StringBuilder(podsDir.toString()).append('/').append(pod.uid());
                while (deep.length() < 4200) {
                    deep.append("/deep");
                }
                mutated = deep.toString();
                label = "target of 4,096+ chars";
            }
            case 11 -> {
                mutated = layout.targetPath(pod).resolveSibling(UNICODE).toString();
                label = "unicode target";
                refusal = null;
            }
            case 12 -> {
                mutated = podsDir.resolve(pod.uid()).resolve("mount").toString();
                label = "target not in the kubelet's shape";
                refusal = null;
            }
            default -> {
                mutated = layout.targetPath(anyPod()).toString();
                label = "target of another pod";
                refusal = null;
            }
        }
        setter.accept(mutated);
        return new Mutation(label, refusal);
    }

    private Mutation mutateContext(NodePublishVolumeRequest.Builder request) {
        switch (random.nextInt(12)) {
            case 0, 1 -> {
                int size = contextSize();
                request.putVolumeContext(JUNK, filler(size));
                return new Mutation(
                        "junk key csi.storage.k8s.io/junk of " + sizeClass(size),
                        "a csi.storage.k8s.io/ key the kubelet never sends");
            }
            case 2 -> {
                int size = POD_NAME_LIMIT + 1 + random.nextInt(100 * 1024);
                request.putVolumeContext(PodInfo.POD_NAME, filler(size).toLowerCase(java.util.Locale.ROOT));
                return new Mutation(
                        "pod.name of " + sizeClass(size),
                        "a pod.name longer than Kubernetes allows (" + POD_NAME_LIMIT + ")");
            }
            case 3 -> {
                int size = contextSize();
                request.putVolumeContext("example.com/unknown-" + random.nextInt(3), filler(size));
                return new Mutation(
                        "unknown key of " + sizeClass(size),
                        size > CONTEXT_MUST_REFUSE_BYTES ? "a volume_context over 64 KiB" : null);
            }
            case 4 -> {
                int keys = 1 + random.nextInt(4000);
                for (int i = 0; i < keys; i++) {
                    request.putVolumeContext("k" + i, "v".repeat(random.nextInt(32)));
                }
                return new Mutation(
                        "many keys (" + keys + ")",
                        contextBytes(request.getVolumeContextMap()) > CONTEXT_MUST_REFUSE_BYTES
                                ? "a volume_context over 64 KiB"
                                : null);
            }
            case 5 -> {
                request.removeVolumeContext("csi.storage.k8s.io/ephemeral");
                return new Mutation("ephemeral missing", "not an ephemeral inline volume");
            }
            case 6 -> {
                request.putVolumeContext("csi.storage.k8s.io/ephemeral", random.nextBoolean() ? "false" : "TRUE");
                return new Mutation("ephemeral not \"true\"", "not an ephemeral inline volume");
            }
            case 7 -> {
                request.putVolumeContext(PodInfo.POD_NAME, "web\n2026-01-01 INFO forged\u0000line\u001b[0m");
                return new Mutation("pod.name with control characters", null);
            }
            case 8 -> {
                request.removeVolumeContext(PodInfo.POD_UID);
                request.removeVolumeContext(PodInfo.POD_NAME);
                return new Mutation("pod info missing", null);
            }
            case 9 -> {
                request.putVolumeContext(
                        "csi.storage.k8s.io/serviceAccount.tokens",
                        "{\"aud\":{\"token\":\"" + filler(random.nextInt(8192)) + "\"}}");
                return new Mutation("serviceAccount.tokens", null);
            }
            case 10 -> {
                request.putVolumeContext(
                        "csi.spiffe.io/" + (random.nextBoolean() ? "contents" : "unknown"),
                        random.nextBoolean() ? "files" : UNICODE);
                return new Mutation("csi.spiffe.io/ attribute", null);
            }
            default -> {
                request.putVolumeContext(UNICODE, UNICODE);
                return new Mutation("unicode key", null);
            }
        }
    }

    /** Mostly small, sometimes tens of KiB, rarely (and at most {@value #MAX_HUGE_CONTEXTS} times) megabytes. */
    private int contextSize() {
        int roll = random.nextInt(100);
        if (roll < 2 && hugeContexts < MAX_HUGE_CONTEXTS) {
            hugeContexts++;
            return (1 + random.nextInt(3)) * 1024 * 1024 + random.nextInt(512 * 1024);
        }
        if (roll < 30) {
            return 16 * 1024 + random.nextInt(200 * 1024);
        }
        return 1 + random.nextInt(16 * 1024);
    }

    private static String sizeClass(int size) {
        return size >= 1024 * 1024 ? size / (1024 * 1024) + "+ MiB" : size >= 16 * 1024 ? "16+ KiB" : "< 16 KiB";
    }

    static long contextBytes(Map<String, String> context) {
        long total = 0;
        for (Map.Entry<String, String> entry : context.entrySet()) {
            total += entry.getKey().length() + entry.getValue().length();
        }
        return total;
    }

    private String filler(int size) {
        char[] text = new char[size];
        for (int i = 0; i < size; i++) {
            text[i] = (char) ('a' + random.nextInt(26));
        }
        return new String(text);
    }

    private Mutation mutateCapability(NodePublishVolumeRequest.Builder request) {
        VolumeCapability.Builder capability = request.getVolumeCapability().toBuilder();
        switch (random.nextInt(6)) {
            case 0 -> {
                request.clearVolumeCapability();
                return new Mutation("capability missing", "a publish without volume_capability");
            }
            case 1 -> {
                capability.setBlock(VolumeCapability.BlockVolume.getDefaultInstance());
                request.setVolumeCapability(capability);
                return new Mutation("block capability", "block access");
            }
            case 2 -> {
                capability.setMount(VolumeCapability.MountVolume.newBuilder().setFsType("ext4"));
                request.setVolumeCapability(capability);
                return new Mutation("fs_type", "an fs_type");
            }
            case 3 -> {
                capability.setMount(VolumeCapability.MountVolume.newBuilder()
                        .addMountFlags("rw")
                        .addMountFlags("suid")
                        .addMountFlags("dev"));
                request.setVolumeCapability(capability);
                return new Mutation("mount flags", "mount flags");
            }
            case 4 -> {
                capability.clearAccessMode();
                request.setVolumeCapability(capability);
                return new Mutation("access mode missing", "a capability without access mode");
            }
            default -> {
                int mode = random.nextInt(9);
                capability.setAccessMode(
                        VolumeCapability.AccessMode.newBuilder().setModeValue(mode));
                request.setVolumeCapability(capability);
                return new Mutation("access mode " + mode, mode == 0 || mode == 8 ? "an unknown access mode" : null);
            }
        }
    }

    // ---- unpublish and stats -------------------------------------------------------------------------------

    private FuzzStep.Call unpublish(Pod pod) {
        NodeUnpublishVolumeRequest.Builder request = KubeletRequests.unpublish(layout, pod).toBuilder();
        int roll = random.nextInt(100);
        if (roll < 60) {
            return call(CsiRpc.UNPUBLISH, request.build(), "kubelet", null);
        }
        if (roll < 75) {
            String id = volumeIdMutation(pod);
            request.setVolumeId(id);
            return call(CsiRpc.UNPUBLISH, request.build(), "volume_id " + describeId(id), refusalForId(id));
        }
        Mutation mutation = mutateTarget(request::setTargetPath, pod);
        return call(CsiRpc.UNPUBLISH, request.build(), mutation.label(), mutation.mustRefuse());
    }

    private FuzzStep.Call stats(Pod pod) {
        NodeGetVolumeStatsRequest.Builder request = NodeGetVolumeStatsRequest.newBuilder()
                .setVolumeId(layout.volumeId(pod))
                .setVolumePath(layout.targetPath(pod).toString());
        int roll = random.nextInt(100);
        if (roll < 60) {
            return call(CsiRpc.STATS, request.build(), "kubelet", null);
        }
        if (roll < 75) {
            String id = volumeIdMutation(pod);
            request.setVolumeId(id);
            return call(CsiRpc.STATS, request.build(), "volume_id " + describeId(id), refusalForId(id));
        }
        Mutation mutation = mutateTarget(request::setVolumePath, pod);
        // a stats call is answered from the records and never reaches the path otherwise: a path that names a
        // recorded target once normalized (a double or trailing slash) may be answered, so no refusal is required
        return call(CsiRpc.STATS, request.build(), mutation.label(), null);
    }

    // ---- bytes ---------------------------------------------------------------------------------------------

    private FuzzStep.RawCall raw() {
        FuzzStep.Call base = switch (random.nextInt(3)) {
            case 0 -> publish(anyPod());
            case 1 -> unpublish(anyPod());
            default -> stats(anyPod());
        };
        byte[] bytes = base.request().toByteArray();
        String label;
        switch (random.nextInt(4)) {
            case 0 -> {
                for (int i = 0; i < 1 + random.nextInt(8) && bytes.length > 0; i++) {
                    bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                }
                label = "bits flipped";
            }
            case 1 -> {
                bytes = java.util.Arrays.copyOf(bytes, random.nextInt(Math.max(1, bytes.length)));
                label = "cut short";
            }
            case 2 -> {
                byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1 + random.nextInt(64));
                for (int i = bytes.length; i < longer.length; i++) {
                    longer[i] = (byte) random.nextInt(256);
                }
                bytes = longer;
                label = "garbage appended";
            }
            default -> {
                // field 1 (volume_id in all three requests) as a length-delimited string that is not UTF-8
                byte[] invalid = {0x0a, 0x04, (byte) 0xff, (byte) 0xfe, (byte) 0xc0, (byte) 0x80};
                byte[] joined = java.util.Arrays.copyOf(invalid, invalid.length + bytes.length);
                System.arraycopy(bytes, 0, joined, invalid.length, bytes.length);
                bytes = joined;
                label = "volume_id not UTF-8";
            }
        }
        return new FuzzStep.RawCall(base.rpc(), bytes, label);
    }

    /** The pool's targets and their kubelet volume ids, for the final unpublish. */
    Map<String, String> kubeletTargets() {
        Map<String, String> targets = new LinkedHashMap<>();
        for (Pod pod : pods) {
            targets.put(layout.targetPath(pod).toString(), layout.volumeId(pod));
        }
        for (Pod pod : traps) {
            targets.put(layout.targetPath(pod).toString(), layout.volumeId(pod));
        }
        return targets;
    }
}
