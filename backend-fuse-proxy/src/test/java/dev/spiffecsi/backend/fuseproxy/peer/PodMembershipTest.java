package dev.spiffecsi.backend.fuseproxy.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.peer.PodMembership.Verdict;
import dev.spiffecsi.backend.fuseproxy.testing.PodCgroup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The check of a caller's pod: what is read, when the process is checked, and real processes in real cgroups. */
class PodMembershipTest {

    private static final String UID = "6f1c1f6e-1b7a-4c1e-9a3b-2d6a0e6f9c11";
    private static final String IN_POD = "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
            + UID.replace('-', '_') + ".slice/cri-containerd-3f5a.scope\n";
    private static final int OWN_PID = (int) ProcessHandle.current().pid();

    private static PodMembership.CgroupFile file(String content) {
        return (pid, limit) -> {
            byte[] bytes = content.getBytes(StandardCharsets.ISO_8859_1);
            return java.util.Arrays.copyOf(bytes, Math.min(bytes.length, limit + 1));
        };
    }

    private static Verdict verdict(String podUid, String content) {
        return PodMembership.of(podUid, file(content))
                .check(4242, PeerProcess.UNTRACKED)
                .verdict();
    }

    @Test
    void aProcessInThePodsCgroupIsInThePodAndOneInAnotherPodIsNot() {
        assertEquals(Verdict.IN_POD, verdict(UID, IN_POD));
        assertEquals(Verdict.NOT_IN_POD, verdict("0b2e9d54-57c3-4f0e-8f63-5a4f3b1f7e20", IN_POD));
        assertEquals(Verdict.NOT_IN_POD, verdict(UID, "0::/system.slice/containerd.service\n"));
        assertEquals(Verdict.UNREADABLE, verdict(UID, "0::/kubepods//pod" + UID + "\n"));
    }

    @Test
    void aPodWhoseUidIsAPrefixOfTheCallersPodsIsNotTheCallersPod() {
        String longer = UID + "0";
        String longerPath = "0::/kubepods/besteffort/pod" + longer + "/c\n";
        assertEquals(Verdict.NOT_IN_POD, verdict(UID, longerPath));
        assertEquals(Verdict.IN_POD, verdict(longer, longerPath));
        assertEquals(Verdict.NOT_IN_POD, verdict(longer, "0::/kubepods/besteffort/pod" + UID + "/c\n"));
    }

    @Test
    void moreThanTheBoundIsRefusedUnparsedAndOnlyTheBoundPlusOneByteIsAskedFor() {
        AtomicInteger asked = new AtomicInteger();
        PodMembership membership = PodMembership.of(UID, (pid, limit) -> {
            asked.set(limit);
            return new byte[limit + 1];
        });
        PodMembership.Check check = membership.check(4242, PeerProcess.UNTRACKED);
        assertEquals(Verdict.UNREADABLE, check.verdict());
        assertTrue(check.detail().contains("longer than " + PodMembership.MAX_CGROUP_BYTES), check.detail());
        assertEquals(PodMembership.MAX_CGROUP_BYTES, asked.get());
        // at the bound, it is parsed
        String padded = IN_POD + "0::/\n".repeat((PodMembership.MAX_CGROUP_BYTES - IN_POD.length()) / 5);
        assertTrue(padded.length() <= PodMembership.MAX_CGROUP_BYTES);
        assertEquals(Verdict.IN_POD, verdict(UID, padded));
    }

    @Test
    void aProcessThatExitsWhileItsCgroupsAreReadIsExitedWhateverTheyName() {
        // the pid was reused by a process of the pod while the caller exited: what was read is not the caller's
        AtomicBoolean exited = new AtomicBoolean();
        PodMembership membership = PodMembership.of(UID, (pid, limit) -> {
            exited.set(true);
            return IN_POD.getBytes(StandardCharsets.ISO_8859_1);
        });
        assertEquals(Verdict.EXITED, membership.check(4242, exited::get).verdict());
    }

    @Test
    void aProcessGoneFromProcOrUnreadableIsNotInThePod() {
        assertEquals(
                Verdict.EXITED,
                PodMembership.of(UID, (pid, limit) -> {
                            throw new NoSuchFileException("/proc/4242/cgroup");
                        })
                        .check(4242, PeerProcess.UNTRACKED)
                        .verdict());
        PodMembership failing = PodMembership.of(UID, (pid, limit) -> {
            throw new IOException("No such process");
        });
        assertEquals(
                Verdict.UNREADABLE, failing.check(4242, PeerProcess.UNTRACKED).verdict());
        assertEquals(Verdict.EXITED, failing.check(4242, PeerProcess.EXITED).verdict());
        assertEquals(
                Verdict.EXITED,
                PodMembership.of(UID, file(IN_POD))
                        .check(0, PeerProcess.UNTRACKED)
                        .verdict());
    }

    @Test
    void onlyAPodUidCanBeCheckedFor() {
        for (String bad : new String[] {"", "../x", "a_b", "pod", "6f1c\n", "a".repeat(65)}) {
            assertFalse(PodMembership.isPodUid(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> PodMembership.of(bad));
        }
        assertTrue(PodMembership.isPodUid(UID));
        assertTrue(PodMembership.isPodUid("d41d8cd98f00b204e9800998ecf8427e"), "a static pod's hash");
    }

    @Test
    void thisProcessIsInNoPod() {
        try (PidFd self = PidFd.open(OWN_PID)) {
            PodMembership.Check check = PodMembership.of(UID).check(OWN_PID, self);
            assertEquals(Verdict.NOT_IN_POD, check.verdict(), check.detail());
        }
    }

    @Test
    void aRealProcessMovedIntoThePodsCgroupIsInThePodAndNoOtherOne() throws Exception {
        String uid = UUID.randomUUID().toString();
        try (PodCgroup pod = PodCgroup.create(uid)) {
            Process child = new ProcessBuilder("sleep", "30").start();
            try (PidFd pidfd = PidFd.open((int) child.pid())) {
                pod.enter(child.pid());

                PodMembership.Check check = PodMembership.of(uid).check((int) child.pid(), pidfd);
                assertEquals(Verdict.IN_POD, check.verdict(), check.detail());
                assertEquals(
                        Verdict.NOT_IN_POD,
                        PodMembership.of(UUID.randomUUID().toString())
                                .check((int) child.pid(), pidfd)
                                .verdict());

                child.destroyForcibly().waitFor();
                assertEquals(
                        Verdict.EXITED,
                        PodMembership.of(uid).check((int) child.pid(), pidfd).verdict(),
                        "exited and reaped: refused, whatever its pid names now");
            } finally {
                child.destroyForcibly().waitFor();
            }
        }
    }
}
