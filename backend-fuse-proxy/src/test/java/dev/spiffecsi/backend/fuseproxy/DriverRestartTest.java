package dev.spiffecsi.backend.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.testing.FakeDelegatedAgent;
import dev.spiffecsi.backend.fuseproxy.testing.WorkloadClient;
import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.MountSyscalls.ErrnoException;
import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import dev.spiffecsi.spi.TargetState;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.VolumeCondition;
import dev.spiffecsi.spi.contract.ContractFixture;
import dev.spiffecsi.spi.contract.Privileges;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A driver process that dies and a new one that resumes its volumes, with real mount propagation: the kubelet's
 * pods directory is a shared mount, as on a node, and a pod's container mounts the volume once with HostToContainer
 * propagation (a slave of the target) and once without (private). The old process's death is simulated by aborting
 * its FUSE connection through the fusectl filesystem, which is what the kernel does when the last fd of the device
 * closes, and by closing the backend, which releases what the process exit would.
 */
class DriverRestartTest {

    private static final long MS_SLAVE = 1L << 19;
    private static final long MS_SHARED = 1L << 20;
    private static final String WORKLOAD_ID = "spiffe://example.org/workload";

    @TempDir
    Path tempDir;

    private final MountSyscalls mounts = new JnaMountSyscalls();
    private final Deque<Path> mountedByTest = new ArrayDeque<>();
    private ContractFixture fixture;
    private FakeDelegatedAgent agent;

    @BeforeEach
    void setUp() throws Exception {
        Privileges.assumeCanMountPrivately();
        fixture = new ContractFixture(tempDir);
        agent = new FakeDelegatedAgent(fixture.socketDir().resolve("admin.sock"), "example.org").start();
        agent.registerPid(ProcessHandle.current().pid(), WORKLOAD_ID);
        mount("tmpfs", fixture.podsDir(), "tmpfs", 0, "size=1m");
        mounts.mount(null, fixture.podsDir(), null, MS_SHARED, null);
    }

    @AfterEach
    void tearDown() throws Exception {
        while (!mountedByTest.isEmpty()) {
            Path point = mountedByTest.pop();
            while (true) { // a pod's copies may have several mounts stacked
                try {
                    mounts.umount2(point, MountSyscalls.UMOUNT_NOFOLLOW | MountSyscalls.MNT_DETACH);
                } catch (ErrnoException e) {
                    break;
                }
            }
        }
        if (agent != null) {
            agent.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    private void mount(String source, Path target, String type, long flags, String data) throws IOException {
        mounts.mount(source, target, type, flags, data);
        mountedByTest.push(target);
    }

    private Backend backend() {
        return new FuseProxyProvider()
                .create(
                        ReferenceSettings.with(Map.of(
                                "socket-name",
                                ContractFixture.SOCKET_NAME,
                                "admin-socket-path",
                                agent.socket().toString(),
                                "identity",
                                "pid",
                                "socket-mode",
                                "0666",
                                "unmount-busy-timeout",
                                "1s",
                                "agent-timeout",
                                "5s",
                                "files-publish-wait",
                                "3s",
                                // the callers are this test process, in no pod's cgroup
                                "require-pod-cgroup",
                                "false")),
                        contextFor());
    }

    private dev.spiffecsi.spi.EngineContext contextFor() {
        try {
            return fixture.context(fixture.socketDir(), mounts, FuseProxyProvider.NAME);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A container's view of the volume: a bind mount of the target with the given propagation. */
    private void bind(Path target, Path point, long propagation) throws IOException {
        mount(target.toString(), point, null, MountSyscalls.MS_BIND, null);
        mounts.mount(null, point, null, propagation, null);
    }

    private static String fetchThrough(Path socket) throws Exception {
        try (WorkloadClient client = WorkloadClient.connect(socket)) {
            return client.fetchX509Svid().getSvids(0).getSpiffeId();
        }
    }

    private static int errnoOfStat(MountSyscalls mounts, Path path) {
        return assertThrows(ErrnoException.class, () -> mounts.stat(path)).errno();
    }

    /** The kubelet's publish of pod default/workload's volume. */
    private static PublishRequest request(String volumeId, Path target, String podUid) {
        Map<String, String> volumeContext = Map.of(
                PodInfo.POD_NAME,
                "workload",
                PodInfo.POD_NAMESPACE,
                "default",
                PodInfo.POD_UID,
                podUid,
                PodInfo.SERVICE_ACCOUNT,
                "default");
        return new PublishRequest(volumeId, target, true, PodInfo.fromVolumeContext(volumeContext), volumeContext);
    }

    /** A process that shares this process's mounts, in a mount namespace of its own, as a container has. */
    private static Process containerWithPropagation(String propagation) throws IOException {
        return new ProcessBuilder("unshare", "--mount", "--propagation", propagation, "sleep", "300")
                .redirectErrorStream(true)
                .start();
    }

    /**
     * The volume's condition after a restart, with containers as separate mount namespaces: one whose mounts are
     * private (no HostToContainer propagation) keeps the dead mount, and the volume is abnormal, naming it, until it
     * is gone; one that receives propagation (a slave) sees the new mount and is no reason for alarm.
     */
    @Test
    void theConditionStaysAbnormalWhileAContainerInAnotherMountNamespaceHoldsTheDeadMount() throws Exception {
        Path target = fixture.newTarget();
        PublishRequest request = request("vol-2", target, "uid-2");
        Backend dying = backend();
        Process withoutPropagation;
        Process withPropagation;
        try {
            dying.publish(request);
            withoutPropagation = containerWithPropagation("private");
            withPropagation = containerWithPropagation("slave");
            DriverRestarts.abortFuseConnection(mounts, target, tempDir);
        } finally {
            dying.close();
        }
        try (Backend restarted = backend()) {
            restarted.resume(List.of(request));
            assertEquals(WORKLOAD_ID, fetchThrough(target.resolve(ContractFixture.SOCKET_NAME)));

            VolumeCondition condition = restarted.condition(target);
            assertTrue(condition.abnormal(), condition.message());
            assertTrue(condition.message().contains("pid " + withoutPropagation.pid() + " "), condition.message());
            assertFalse(
                    condition.message().contains("pid " + withPropagation.pid() + " "),
                    "a container that receives propagation sees the new mount: " + condition.message());
            assertTrue(condition.message().contains("recreate the pod"), condition.message());

            withoutPropagation.destroyForcibly().waitFor();
            Thread.sleep(OrphanedMountHolders.CACHE_TIME.toMillis()); // the last scan's answer is kept that long
            assertFalse(
                    restarted.condition(target).abnormal(),
                    () -> restarted.condition(target).message());
            restarted.unpublish(new UnpublishRequest("vol-2", target, true));
        } finally {
            withoutPropagation.destroyForcibly().waitFor();
            withPropagation.destroyForcibly().waitFor();
        }
    }

    @Test
    void aRestartedDriverServesItsVolumesAgainWhereThePodCanSeeThem() throws Exception {
        Path target = fixture.newTarget();
        PublishRequest request = request("vol-1", target, "uid-1");
        Path propagated = Files.createDirectories(tempDir.resolve("container-host-to-container"));
        Path isolated = Files.createDirectories(tempDir.resolve("container-no-propagation"));

        Backend dying = backend();
        try {
            dying.publish(request);
            bind(target, propagated, MS_SLAVE);
            bind(target, isolated, MountSyscalls.MS_PRIVATE);
            assertEquals(WORKLOAD_ID, fetchThrough(propagated.resolve(ContractFixture.SOCKET_NAME)));

            DriverRestarts.abortFuseConnection(mounts, target, tempDir);
        } finally {
            dying.close();
        }
        assertEquals(MountSyscalls.ENOTCONN, errnoOfStat(mounts, target));
        assertEquals(MountSyscalls.ENOTCONN, errnoOfStat(mounts, propagated));

        try (Backend restarted = backend()) {
            assertEquals(TargetState.BROKEN, restarted.inspect(target), "an orphaned mount is still ours, broken");
            assertTrue(restarted.condition(target).abnormal());

            restarted.resume(List.of(request));

            assertEquals(TargetState.PUBLISHED, restarted.inspect(target));
            assertEquals(WORKLOAD_ID, fetchThrough(target.resolve(ContractFixture.SOCKET_NAME)));
            assertEquals(
                    WORKLOAD_ID,
                    fetchThrough(propagated.resolve(ContractFixture.SOCKET_NAME)),
                    "a container mounted with HostToContainer propagation sees the new mount");
            assertEquals(
                    MountSyscalls.ENOTCONN,
                    errnoOfStat(mounts, isolated),
                    "a container without propagation keeps the dead mount until the pod is recreated");
            VolumeCondition condition = restarted.condition(target);
            assertTrue(condition.abnormal(), "the condition tells the truth for the pod: " + condition.message());
            assertTrue(
                    condition.message().contains("at " + isolated)
                            && condition.message().contains("mountPropagation: HostToContainer"),
                    condition.message());

            mounts.umount2(isolated, MountSyscalls.UMOUNT_NOFOLLOW); // the pod without propagation is recreated
            Thread.sleep(OrphanedMountHolders.CACHE_TIME.toMillis()); // the last scan's answer is kept that long
            assertFalse(
                    restarted.condition(target).abnormal(),
                    () -> restarted.condition(target).message());

            restarted.unpublish(new UnpublishRequest("vol-1", target, true));
            assertEquals(TargetState.ABSENT, restarted.inspect(target), "the orphaned mount below went too");
            try (Stream<Path> entries = Files.list(target)) {
                assertEquals(0, entries.count());
            }
        }
    }
}
