package dev.spiffecsi.backend.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.fuse.FuseMount;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import dev.spiffecsi.spi.contract.RecordingLogger;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orphan reporter's decisions, on a /proc of files written by the test: which of this driver's mounts at a target
 * are dead mounts to watch, and what is said, and logged how often, while a container still sees one and once none
 * does.
 */
class OrphanReporterTest {

    private static final Path TARGET = Path.of("/pods/uid/volumes/kubernetes.io~csi/vol/mount");
    private static final VolumeLabel VOLUME = new VolumeLabel("vol", TARGET, "shop/web");

    @TempDir
    Path proc;

    private final RecordingLogger log = new RecordingLogger();
    private OrphanReporter reporter;

    @BeforeEach
    void setUp() {
        reporter = new OrphanReporter(proc, new AdvancingClock(), log);
    }

    @Test
    void theDeadMountsAreThisDriversFuseMountsAtTheTargetOnly() throws IOException {
        ownMountTable(
                mount(30, 1, "0:40", "/pods", "tmpfs"),
                mount(31, 30, "0:41", TARGET.toString(), FuseMount.FS_TYPE),
                mount(32, 31, "0:42", TARGET.toString(), FuseMount.FS_TYPE),
                mount(33, 30, "0:43", TARGET.toString(), "fuse.other"),
                mount(34, 30, "0:44", TARGET + "-other", FuseMount.FS_TYPE));

        DeadMounts dead = reporter.deadMountsAt(VOLUME, "shop/web").orElseThrow();

        assertEquals(Set.of("0:41", "0:42"), dead.devices());
        assertEquals(VOLUME, dead.volume());
    }

    @Test
    void aTargetWithoutDeadMountsHasNoneToWatch() throws IOException {
        ownMountTable(mount(30, 1, "0:40", "/pods", "tmpfs"));

        assertEquals(Optional.empty(), reporter.deadMountsAt(VOLUME, "shop/web"));
        assertEquals(List.of(), log.entries());
    }

    @Test
    void anUnreadableMountTableIsLoggedAndLeavesNothingToWatch() {
        assertEquals(Optional.empty(), reporter.deadMountsAt(VOLUME, "shop/web"));
        assertEquals(List.of(Level.WARNING), log.levels());
        assertTrue(
                log.entries().getFirst().message().startsWith(VOLUME + ": cannot read the mount table"),
                log.entries().toString());
    }

    @Test
    void aContainerThatStillSeesADeadMountIsReportedInEveryConditionAndLoggedOnce() throws IOException {
        TargetRecord target = stackedOnDeadMount("0:41");
        process(4242, "mnt:[4026532001]", mount(50, 1, "0:41", "/spiffe", FuseMount.FS_TYPE));

        Optional<String> first = reporter.stillOrphaned(target, () -> Set.of("0:41"));
        Optional<String> second = reporter.stillOrphaned(target, () -> Set.of("0:41"));

        assertTrue(
                first.orElseThrow().startsWith("1 container(s) of pod shop/web still see the FUSE mount"), first.get());
        assertTrue(first.get().contains("pid 4242 (mnt:[4026532001], at /spiffe)"), first.get());
        assertTrue(first.get().contains("recreate the pod"), first.get());
        assertEquals(first, second);
        assertEquals(List.of(Level.WARNING), log.levels(), "logged once while it lasts");
        assertEquals(VOLUME + ": " + first.get(), log.entries().getFirst().message());
    }

    @Test
    void aDeadMountHiddenByAMountStackedOnItInTheContainerIsNotReported() throws IOException {
        TargetRecord target = stackedOnDeadMount("0:41");
        process(
                4242,
                "mnt:[4026532001]",
                mount(50, 1, "0:41", "/spiffe", FuseMount.FS_TYPE),
                mount(51, 50, "0:45", "/spiffe", FuseMount.FS_TYPE));

        assertEquals(Optional.empty(), reporter.stillOrphaned(target, () -> Set.of("0:41")));
    }

    @Test
    void onceNoContainerSeesTheDeadMountItIsForgottenAndLoggedOnce() throws IOException {
        TargetRecord target = stackedOnDeadMount("0:41");
        process(4242, "mnt:[4026532001]", mount(50, 1, "0:41", "/spiffe", FuseMount.FS_TYPE));
        assertTrue(reporter.stillOrphaned(target, () -> Set.of("0:41")).isPresent());

        Files.delete(proc.resolve("4242/mountinfo")); // the pod was recreated

        assertEquals(Optional.empty(), reporter.stillOrphaned(target, () -> Set.of("0:41")));
        assertEquals(Optional.empty(), target.deadMounts(), "forgotten");
        assertEquals(Optional.empty(), reporter.stillOrphaned(target, () -> Set.of()));
        assertEquals(List.of(Level.WARNING, Level.INFO), log.levels());
        assertEquals(
                VOLUME + ": no container of pod shop/web sees the dead FUSE mount of an earlier driver process "
                        + "any more",
                log.entries().get(1).message());
    }

    @Test
    void deadMountsStackedAgainAfterBeingForgottenAreReportedAgain() throws IOException {
        TargetRecord target = stackedOnDeadMount("0:41");
        assertEquals(Optional.empty(), reporter.stillOrphaned(target, () -> Set.of("0:41")));

        target.stackedOn(new DeadMounts(Set.of("0:42"), VOLUME, "shop/web"));
        process(4242, "mnt:[4026532001]", mount(50, 1, "0:42", "/spiffe", FuseMount.FS_TYPE));

        assertTrue(reporter.stillOrphaned(target, () -> Set.of("0:42")).isPresent());
        assertEquals(List.of(Level.INFO, Level.WARNING), log.levels());
    }

    @Test
    void aTargetWithoutDeadMountsNeitherScansNorReports() {
        TargetRecord target = new TargetRecord();

        assertEquals(Optional.empty(), reporter.stillOrphaned(target, () -> {
            throw new AssertionError("no scan without dead mounts");
        }));
        assertFalse(target.deadMounts().isPresent());
        assertEquals(List.of(), log.entries());
    }

    private TargetRecord stackedOnDeadMount(String device) {
        TargetRecord target = new TargetRecord();
        target.stackedOn(new DeadMounts(Set.of(device), VOLUME, "shop/web"));
        return target;
    }

    private void ownMountTable(String... lines) throws IOException {
        Files.createDirectories(proc.resolve("self"));
        Files.write(proc.resolve("self/mountinfo"), List.of(lines));
    }

    private void process(long pid, String namespace, String... mountTable) throws IOException {
        Path process = Files.createDirectories(proc.resolve(Long.toString(pid)).resolve("ns"));
        Files.createSymbolicLink(process.resolve("mnt"), Path.of(namespace));
        Files.write(process.getParent().resolve("mountinfo"), List.of(mountTable));
    }

    private static String mount(int id, int parentId, String device, String mountPoint, String fsType) {
        return id + " " + parentId + " " + device + " / " + mountPoint + " rw,nosuid - " + fsType + " spiffe-csi rw";
    }

    /** A clock an hour later at each reading, so that every question scans /proc afresh, past any cached answer. */
    private static final class AdvancingClock extends Clock {

        private Instant now = Instant.parse("2025-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public synchronized Instant instant() {
            now = now.plusSeconds(3600);
            return now;
        }
    }
}
