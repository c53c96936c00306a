package dev.spiffecsi.dev.simulatednode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spiffecsi.dev.demo.Leftovers;
import dev.spiffecsi.dev.demo.NodeLayout;
import dev.spiffecsi.spi.contract.Privileges;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;

/** bindmount mounts for real: root only, in a private mount namespace (skipped otherwise). */
class BindMountEndToEndTest extends EndToEndTest {

    @Override
    protected String backend() {
        return "bindmount";
    }

    @Override
    protected void assumeBackendCanRun() {
        Privileges.assumeCanMountPrivately();
    }

    /** Every target is a mount point; this also shows that the "nothing left" check can see mounts at all. */
    @Override
    protected void assertPublished(List<Path> targets, NodeLayout layout) throws Exception {
        assertEquals(new HashSet<>(targets), new HashSet<>(Leftovers.mountsBelow(layout.root())));
    }
}
