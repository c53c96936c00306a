package dev.spiffecsi.backend.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The parts of what is known of a target that are set and cleared without a running server. */
class TargetRecordTest {

    private static final VolumeLabel VOLUME = new VolumeLabel("vol", Path.of("/pods/uid/mount"));
    private static final DeadMounts DEAD = new DeadMounts(Set.of("0:41"), VOLUME, "shop/web");

    @Test
    void aNewRecordServesNothingAndKnowsNothing() {
        TargetRecord record = new TargetRecord();

        assertFalse(record.isServed());
        assertEquals(Optional.empty(), record.takeServer());
        assertEquals(Optional.empty(), record.resumeFailure());
        assertEquals(Optional.empty(), record.deadMounts());
    }

    @Test
    void deadMountsReplacedMeanwhileAreNotForgotten() {
        TargetRecord record = new TargetRecord();
        record.stackedOn(DEAD);
        DeadMounts newer = new DeadMounts(Set.of("0:42"), VOLUME, "shop/web");
        record.stackedOn(newer);

        assertFalse(record.forgetDeadMounts(DEAD));
        assertEquals(Optional.of(newer), record.deadMounts());
        assertTrue(record.forgetDeadMounts(newer));
        assertEquals(Optional.empty(), record.deadMounts());
    }

    @Test
    void theFirstReportIsDueAgainOnlyAfterTheDeadMountsWereForgotten() {
        TargetRecord record = new TargetRecord();
        record.stackedOn(DEAD);

        assertTrue(record.firstDeadMountsReport());
        assertFalse(record.firstDeadMountsReport());
        record.stackedOn(new DeadMounts(Set.of("0:42"), VOLUME, "shop/web"));
        assertFalse(record.firstDeadMountsReport(), "stacked again while reported: still reported");
        record.forgetDeadMounts(DEAD);
        assertTrue(record.firstDeadMountsReport());
    }

    @Test
    void aResumeFailureIsKeptUntilTheTargetIsServed() {
        TargetRecord record = new TargetRecord();
        record.resumeFailed("the target is occupied");

        assertEquals(Optional.of("the target is occupied"), record.resumeFailure());
    }
}
