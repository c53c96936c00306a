package dev.spiffecsi.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spiffecsi.e2e.cluster.WorkloadPod;
import dev.spiffecsi.e2e.rig.MountTable;
import dev.spiffecsi.e2e.rig.RealNode;
import dev.spiffecsi.e2e.rig.StateRecords;
import dev.spiffecsi.e2e.support.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The tier's last check, in its report like the others: once every backend and the Go upgrade have taken their
 * objects away (and before down.sh, which would hide what the driver left by unmounting everything), nothing of
 * theirs is left on the node. It looks again at every target a check saw published, so it cannot pass by
 * looking at places that never held anything. (After down.sh the tier still checks the host's mount table, and
 * fails the run, outside any check, if down.sh left mounts.)
 */
@ExtendWith({TierExtension.class, CheckReport.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Order(8)
@DisplayName("after every backend")
class NothingLeftIT implements TierCheck {

    private Tier tier;

    @Override
    public Tier tier() {
        return tier;
    }

    @BeforeAll
    void start(Tier tier) {
        this.tier = tier;
    }

    @Test
    @DisplayName("nothing left on the node: no mount, link or directory at a published target, no state record, no "
            + "tier pod, no driver registered")
    void nothingLeft() {
        List<String> targets = tier.publishedTargets();
        assertFalse(targets.isEmpty(), "no check noted a published target: nothing to look for");
        Poll.until(
                "nothing left of the tier's workloads and drivers on the node",
                Duration.ofSeconds(60),
                () -> {
                    List<String> left = leftovers(targets);
                    return left.isEmpty() ? Poll.met(true) : Poll.notYet(String.join("\n", left));
                },
                () -> "");
    }

    private List<String> leftovers(List<String> targets) {
        List<String> left = new ArrayList<>();
        MountTable mounts = MountTable.read(tier.node().kubeletMountinfo());
        // the table read is the kubelet's: it holds the kubelet's own mount of its directory
        assertTrue(!mounts.at("/var/lib/kubelet").isEmpty(), "no mount at /var/lib/kubelet in the table read");
        for (String target : targets) {
            if (!mounts.atOrBelow(target).isEmpty()) {
                left.add("mounts at " + target + ":\n" + mounts.describe(mounts.atOrBelow(target)));
            }
            if (Files.exists(Path.of(target), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                left.add("target " + target);
            }
        }
        List<MountTable.Mount> pods = mounts.atOrBelow("/var/lib/kubelet/pods").stream()
                .filter(m -> m.mountPoint().contains("/volumes/kubernetes.io~csi/"))
                .toList();
        if (!pods.isEmpty()) {
            left.add("CSI volume mounts below /var/lib/kubelet/pods:\n" + mounts.describe(pods));
        }
        // this run's records only: the state directory is a host directory (/run) that outlives the rig's data, so
        // records an interrupted earlier run left there are not this run's to answer for; this run's are the ones
        // written since this JVM (the tier's) started, or naming a target one of its checks saw published
        java.time.Instant runStart = java.time.Instant.ofEpochMilli(
                java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime());
        List<StateRecords.StateRecord> records = new StateRecords(Path.of("/var/run/spiffe-csi/state"))
                .all().stream()
                        .filter(record -> targets.contains(record.targetPath()) || writtenSince(record, runStart))
                        .toList();
        if (!records.isEmpty()) {
            left.add("state records: " + records);
        }
        JsonNode tierPods =
                tier.kubectl().json("get", "pods", "-A", "-l", WorkloadPod.LABEL + "=" + WorkloadPod.LABEL_VALUE);
        if (!tierPods.path("items").isEmpty()) {
            left.add("tier pods: " + tierPods.path("items").findValuesAsText("name"));
        }
        JsonNode drivers = tier.kubectl()
                .getOrMissing("csinode", "", RealNode.NODE_NAME)
                .path("spec")
                .path("drivers");
        if (!drivers.isEmpty()) {
            left.add("drivers still registered: " + drivers);
        }
        return left;
    }

    private static boolean writtenSince(StateRecords.StateRecord record, java.time.Instant since) {
        try {
            return !Files.getLastModifiedTime(record.file()).toInstant().isBefore(since);
        } catch (java.io.IOException e) {
            return true; // gone or unreadable while looking: count it, the next poll looks again
        }
    }
}
