package dev.spiffecsi.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fuzzer's generator: reproducible from its seed, mostly kubelet-like, and covering every kind of mutation. */
class CsiFuzzerTest {

    private static final Path PODS = Path.of("/node/pods");
    private static final Path OUTSIDE = Path.of("/node/outside");
    private static final int STEPS = 9_000;

    private static List<String> steps(long seed, int count) {
        CsiFuzzer fuzzer = new CsiFuzzer(seed, PODS, OUTSIDE, 24, 6);
        List<String> steps = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            steps.add(describe(fuzzer.next()));
        }
        return steps;
    }

    private static String describe(FuzzStep step) {
        return switch (step) {
            case FuzzStep.RawCall raw -> raw.rpc() + " " + raw.label() + " " + Arrays.hashCode(raw.bytes());
            case FuzzStep.Call call ->
                call.rpc() + " " + call.label() + " " + call.request().hashCode();
            case FuzzStep.Swap swap -> swap.toString();
        };
    }

    @Test
    void theSameSeedGivesTheSameStepsAndAnotherSeedOthers() {
        assertEquals(steps(7, 2_000), steps(7, 2_000));
        assertNotEquals(steps(7, 2_000), steps(8, 2_000));
    }

    @Test
    void mostCallsAreWhatTheKubeletSendsSoThatRealMountsHappen() {
        CsiFuzzer fuzzer = new CsiFuzzer(11, PODS, OUTSIDE, 24, 6);
        int calls = 0;
        int kubelet = 0;
        for (int i = 0; i < STEPS; i++) {
            if (fuzzer.next() instanceof FuzzStep.Call call) {
                calls++;
                kubelet += call.label().equals("kubelet") || call.label().equals("trap") ? 1 : 0;
            }
        }
        assertTrue(kubelet > calls * 0.4, kubelet + " kubelet-like calls of " + calls);
    }

    @Test
    void everyKindOfMutationIsSentAndTheOnesThatMustBeRefusedSaySo() {
        CsiFuzzer fuzzer = new CsiFuzzer(3, PODS, OUTSIDE, 24, 6);
        Map<String, String> refusals = new HashMap<>();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < STEPS; i++) {
            FuzzStep step = fuzzer.next();
            if (step instanceof FuzzStep.Call call && call.rpc() == CsiRpc.PUBLISH) {
                labels.add(call.label());
                if (!call.label().contains(" + ")) {
                    refusals.put(call.label(), call.mustRefuse());
                }
            }
        }
        String all = String.join("\n", labels);
        for (String kind : List.of(
                "target with ..",
                "target with .",
                "target with //",
                "target with trailing /",
                "relative target",
                "target outside",
                "target = pods dir",
                "target with NUL",
                "target with a 4 KiB name",
                "target of 4,096+ chars",
                "volume_id empty",
                "volume_id with NUL",
                "volume_id unicode",
                "volume_id of 64+ KiB",
                "junk key csi.storage.k8s.io/junk",
                "pod.name of",
                "unknown key",
                "capability missing",
                "block capability",
                "fs_type",
                "mount flags",
                "access mode missing",
                "readonly flipped",
                "ephemeral missing")) {
            assertTrue(all.contains(kind), () -> kind + " never sent");
        }
        assertTrue(refusals.get("target with ..") != null
                && refusals.get("target outside") != null
                && refusals.get("capability missing") != null
                && refusals.get("volume_id empty") != null);
        assertEquals(null, refusals.get("readonly flipped"), "readonly false is accepted by default");
        assertTrue(labels.stream().anyMatch(label -> label.contains("MiB")), "contexts of megabytes are sent");
    }

    /**
     * A reason to refuse must hold for the request as finally sent: a long pod.name removed again by a later "pod info
     * missing" mutation is not a reason (seed 7738581862668 made the tier fail on a correct OK).
     */
    @Test
    void aPodNameReasonHoldsForThePodNameSent() {
        for (long seed : new long[] {7738581862668L, 1, 2, 3}) {
            CsiFuzzer fuzzer = new CsiFuzzer(seed, PODS, OUTSIDE, 24, 6);
            for (int i = 0; i < STEPS; i++) {
                if (fuzzer.next() instanceof FuzzStep.Call call
                        && call.rpc() == CsiRpc.PUBLISH
                        && call.mustRefuse() != null
                        && call.mustRefuse().startsWith("a pod.name longer")) {
                    String podName = ((dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest) call.request())
                            .getVolumeContextOrDefault("csi.storage.k8s.io/pod.name", "");
                    assertTrue(
                            podName.length() > CsiFuzzer.POD_NAME_LIMIT,
                            () -> "seed " + seed + ": " + call.label() + " must be refused for its pod.name, which is "
                                    + podName.length() + " characters");
                }
            }
        }
    }

    /** The same for the capability: seed 7661378641609 sent "access mode missing + access mode 1". */
    @Test
    void anAccessModeReasonHoldsForTheCapabilitySent() {
        for (long seed : new long[] {7661378641609L, 1, 2, 3}) {
            CsiFuzzer fuzzer = new CsiFuzzer(seed, PODS, OUTSIDE, 24, 6);
            for (int i = 0; i < STEPS; i++) {
                if (fuzzer.next() instanceof FuzzStep.Call call
                        && call.rpc() == CsiRpc.PUBLISH
                        && "a capability without access mode".equals(call.mustRefuse())) {
                    var capability = ((dev.spiffecsi.engine.csi.proto.NodePublishVolumeRequest) call.request())
                            .getVolumeCapability();
                    assertTrue(
                            !capability.hasAccessMode()
                                    || capability.getAccessMode().getModeValue() == 0,
                            () -> "seed " + seed + ": " + call.label() + " has an access mode");
                }
            }
        }
    }

    @Test
    void everyEscapePointsIntoTheSentinelTreeNeverAtARealPath() {
        CsiFuzzer fuzzer = new CsiFuzzer(5, PODS, OUTSIDE, 24, 6);
        for (int i = 0; i < STEPS; i++) {
            if (fuzzer.next() instanceof FuzzStep.Call call && call.target().startsWith("/")) {
                String normalized =
                        Path.of(call.target().replace("\0", "")).normalize().toString();
                assertTrue(normalized.startsWith("/node/"), () -> call.label() + " reaches " + normalized);
            }
        }
    }
}
