package dev.spiffecsi.backend.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.delegated.AgentClient;
import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.peer.PeerProcess;
import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import dev.spiffecsi.backend.fuseproxy.workload.CallerResolver;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.PodInfo;
import io.grpc.Status;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The pod check in front of the identity mode, on this process (which is in no pod). */
class PodBoundCallersTest {

    private static final String UID = "6f1c1f6e-1b7a-4c1e-9a3b-2d6a0e6f9c11";
    private static final PodInfo POD = new PodInfo("web", "default", UID, "default");
    private static final Optional<UnixPeer> SELF =
            Optional.of(new UnixPeer((int) ProcessHandle.current().pid(), 0, 0));

    @Test
    void aCallerOutsideThePodIsRefusedUnauthenticatedWithoutBeingNamedInEitherMode() {
        AtomicInteger named = new AtomicInteger();
        CallerResolver counting = (peer, process) -> {
            named.incrementAndGet();
            return new CallerResolver.Named(new Delegation.ByPid(1));
        };
        for (CallerResolver naming : new CallerResolver[] {
            counting, IdentityMode.POD_SELECTORS.callersOf(POD), IdentityMode.PID.callersOf(POD)
        }) {
            CallerResolver.Refused refused = assertInstanceOf(
                    CallerResolver.Refused.class,
                    PodBoundCallers.of(POD, naming).resolve(SELF, PeerProcess.UNTRACKED));
            assertEquals(PodBoundCallers.NOT_IN_POD, refused.status());
            assertEquals(Status.Code.UNAUTHENTICATED, refused.status().getCode());
            assertTrue(
                    refused.reason().contains("in no pod's cgroup")
                            && refused.reason().contains(UID),
                    refused.reason());
        }
        assertEquals(0, named.get());
    }

    @Test
    void aCallerThatHasExitedGetsTheAnswerOfAnExitNoticedLater() {
        CallerResolver.Refused refused = assertInstanceOf(
                CallerResolver.Refused.class,
                PodBoundCallers.of(POD, IdentityMode.PID.callersOf(POD)).resolve(SELF, PeerProcess.EXITED));
        assertEquals(AgentClient.WORKLOAD_EXITED, refused.status());
    }

    @Test
    void aCallerTheKernelDidNotReportIsUnauthenticated() {
        CallerResolver.Refused refused = assertInstanceOf(
                CallerResolver.Refused.class,
                PodBoundCallers.of(POD, IdentityMode.POD_SELECTORS.callersOf(POD))
                        .resolve(Optional.empty(), PeerProcess.UNTRACKED));
        assertEquals(Status.Code.UNAUTHENTICATED, refused.status().getCode());
    }

    @Test
    void aCallerOutsideTheDriversPidNamespaceIsUnauthenticatedSayingWhy() {
        // SO_PEERCRED reports pid 0 for a process the reader's pid namespace does not show
        CallerResolver.Refused refused = assertInstanceOf(
                CallerResolver.Refused.class,
                PodBoundCallers.of(POD, IdentityMode.POD_SELECTORS.callersOf(POD))
                        .resolve(Optional.of(new UnixPeer(0, 1000, 1000)), PeerProcess.EXITED));
        assertEquals(PodBoundCallers.UNREADABLE, refused.status());
        assertTrue(refused.reason().contains("hostPID"), refused.reason());
    }

    @Test
    void aPublishWithoutAPodUidOrWithOneNoCgroupCanNameIsRefused() {
        BackendException missing = assertThrows(
                BackendException.class,
                () -> PodBoundCallers.of(
                        new PodInfo("web", "default", "", "default"), IdentityMode.PID.callersOf(POD)));
        assertEquals(BackendException.Failure.INVALID_REQUEST, missing.failure());
        assertTrue(
                missing.getMessage().contains(PodInfo.POD_UID)
                        && missing.getMessage().contains("podInfoOnMount")
                        && missing.getMessage().contains("require-pod-cgroup = false"),
                missing.getMessage());

        BackendException bad = assertThrows(
                BackendException.class,
                () -> PodBoundCallers.of(
                        new PodInfo("web", "default", "x\n" + "a".repeat(1000), "default"),
                        IdentityMode.PID.callersOf(POD)));
        assertEquals(BackendException.Failure.INVALID_REQUEST, bad.failure());
        assertTrue(bad.getMessage().contains("\"x\\naaa") && bad.getMessage().length() < 600, bad.getMessage());
    }
}
