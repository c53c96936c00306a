package dev.spiffecsi.backend.fuseproxy.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.spiffecsi.backend.fuseproxy.peer.PodCgroups.Placement;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading the pod out of {@code /proc/PID/cgroup}, as each kubelet cgroup driver names it, and hostile contents. */
class PodCgroupsTest {

    private static final String UID = "6f1c1f6e-1b7a-4c1e-9a3b-2d6a0e6f9c11";
    private static final String UID_ = "6f1c1f6e_1b7a_4c1e_9a3b_2d6a0e6f9c11";
    private static final String OTHER = "0b2e9d54-57c3-4f0e-8f63-5a4f3b1f7e20";
    private static final String OTHER_ = "0b2e9d54_57c3_4f0e_8f63_5a4f3b1f7e20";
    private static final String CONTAINER = "cri-containerd-3f5a0c1d2e4b.scope";

    @Test
    void theConstantsAreTheUidsAsSystemdNamesThem() {
        assertEquals(UID.replace('-', '_'), UID_);
        assertEquals(OTHER.replace('-', '_'), OTHER_);
    }

    private static Placement placement(String content) {
        return PodCgroups.placementOf(content);
    }

    private static void assertInPod(String uid, String content) {
        assertEquals(new Placement.InPod(uid), placement(content), content);
    }

    private static void assertNotInAPod(String content) {
        assertEquals(new Placement.NotInAPod(), placement(content), content);
    }

    private static void assertMalformed(String content) {
        assertInstanceOf(Placement.Malformed.class, placement(content), content);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                // systemd driver, each QoS class (guaranteed pods have none), containerd and CRI-O scopes
                "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID_ + ".slice/" + CONTAINER,
                "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UID_
                        + ".slice/crio-ab12.scope",
                "0::/kubepods.slice/kubepods-pod" + UID_ + ".slice/" + CONTAINER,
                // the pod's own cgroup (its sandbox on some runtimes)
                "0::/kubepods.slice/kubepods-pod" + UID_ + ".slice",
                // a kubelet with another cgroup root
                "0::/custom.slice/custom-kubepods.slice/custom-kubepods-besteffort.slice/"
                        + "custom-kubepods-besteffort-pod" + UID_ + ".slice/" + CONTAINER,
                // cgroupfs driver
                "0::/kubepods/burstable/pod" + UID + "/3f5a0c1d2e4b",
                "0::/kubepods/besteffort/pod" + UID + "/3f5a0c1d2e4b",
                "0::/kubepods/pod" + UID + "/3f5a0c1d2e4b",
                // read from another cgroup namespace (a driver container's own): relative, with leading ".."
                "0::/../../../kubepods-besteffort.slice/kubepods-besteffort-pod" + UID_ + ".slice/" + CONTAINER,
                "0::/../../kubepods-burstable-pod" + UID_ + ".slice/" + CONTAINER,
                "0::/../pod" + UID + "/3f5a0c1d2e4b",
                // a container that made cgroups of its own below its pod's
                "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UID_ + ".slice/" + CONTAINER
                        + "/inner/deeper",
            })
    void findsThePodInEachDriversLayout(String content) {
        assertInPod(UID, content + "\n");
    }

    @Test
    void aCgroupV1NodeHasALineForEachHierarchy() {
        String pod = "/kubepods/burstable/pod" + UID + "/3f5a0c1d2e4b";
        assertInPod(
                UID,
                "12:pids:" + pod + "\n11:memory:" + pod + "\n5:cpu,cpuacct:" + pod + "\n" + "1:name=systemd:" + pod
                        + "\n0::/\n");
        // a hierarchy the kubelet does not manage names no pod; the others decide
        assertInPod(UID, "12:pids:" + pod + "\n3:rdma:/\n0::/\n");
    }

    @Test
    void aUidIsReadWholeNeverAsAPrefix() {
        String longer = UID + "0";
        assertInPod(longer, "0::/kubepods/besteffort/pod" + longer + "/c\n");
        assertInPod(
                longer,
                "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + longer.replace('-', '_')
                        + ".slice/c\n");
        String shorter = UID.substring(0, UID.length() - 1);
        assertInPod(shorter, "0::/kubepods/besteffort/pod" + shorter + "/c\n");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "0::/",
                "0::/init.scope",
                "0::/system.slice/containerd.service",
                "0::/user.slice/user-0.slice/session-1.scope",
                "4:memory:/process_api/105ebcd3\n0::/",
                // looks like a pod, but is not where the kubelet puts pods
                "0::/system.slice/pod" + UID + "/x",
                "0::/kubepods.slice/pod" + UID + "/x",
                "0::/system.slice/kubepods-besteffort-pod" + UID_ + ".slice",
                "0::/kubepods.slice/kubepods-burstable.slice/kubepods-besteffort-pod" + UID_ + ".slice",
                // a host process that made a cgroup named like a pod's, below its own
                "0::/system.slice/evil.service/kubepods-besteffort-pod" + UID_ + ".slice",
                // not a UID
                "0::/kubepods/besteffort/podman/x",
                "0::/kubepods/besteffort/pod/x",
            })
    void aProcessOutsideThePodsTreeIsInNoPod(String content) {
        assertNotInAPod(content + "\n");
    }

    @Test
    void onlyTheFirstPodComponentCountsSoACgroupMadeByTheContainerCannotClaimAnotherPod() {
        String own = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UID_ + ".slice/" + CONTAINER;
        // the container nested a cgroup named like the other pod's, and one laid out like its whole path
        assertInPod(UID, "0::" + own + "/kubepods-besteffort-pod" + OTHER_ + ".slice\n");
        assertInPod(
                UID,
                "0::" + own + "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + OTHER_
                        + ".slice\n");
        assertInPod(UID, "0::/kubepods/besteffort/pod" + UID + "/c/kubepods/besteffort/pod" + OTHER + "\n");
    }

    @Test
    void aNameWithANewlineCannotAddALine() {
        // a cgroup name may hold a newline but never a slash: what follows it cannot be a path
        assertMalformed("0::/kubepods/besteffort/pod" + UID + "/c/x\n0::kubepods-pod" + OTHER_ + ".slice\n");
        assertMalformed("0::/system.slice/x\n0::\n");
    }

    @Test
    void linesNamingDifferentPodsAreAmbiguous() {
        assertEquals(
                new Placement.Ambiguous(Set.of(UID, OTHER)),
                placement("1:cpu:/kubepods/pod" + UID + "/c\n" + "0::/kubepods/pod" + OTHER + "/c\n"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "garbage",
                "0:/kubepods/pod" + UID,
                "x::/kubepods/pod" + UID,
                "0::kubepods/pod" + UID,
                "0::/kubepods//pod" + UID + "/c",
                "0::/kubepods/./pod" + UID + "/c",
                "0::/kubepods/pod" + UID + "/c/",
                // ".." only ever leads (another cgroup namespace); never after a name
                "0::/system.slice/../kubepods/pod" + UID + "/c",
                "0::/kubepods/besteffort/../pod" + UID + "/c",
            })
    void whatTheKernelNeverWritesIsMalformed(String content) {
        assertMalformed(content + "\n");
    }

    @Test
    void longAndManyLinesAreParsedInTimeLinearInTheirLength() {
        // the reader bounds the bytes (PodMembership); the parser must not be worse than linear within the bound
        String deep = "/a".repeat(8_000);
        assertNotInAPod("0::" + deep + "\n");
        assertInPod(UID, "0::/kubepods/pod" + UID + deep + "\n");
        assertNotInAPod("0::/\n".repeat(3_000));
        assertNotInAPod("0::/" + "x".repeat(16_000) + "\n");
    }
}
