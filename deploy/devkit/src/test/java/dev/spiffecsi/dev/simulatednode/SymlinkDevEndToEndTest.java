package dev.spiffecsi.dev.simulatednode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spiffecsi.dev.demo.NodeLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** symlink-dev needs no privilege: this runs everywhere. */
class SymlinkDevEndToEndTest extends EndToEndTest {

    @Override
    protected String backend() {
        return "symlink-dev";
    }

    @Override
    protected void assertPublished(List<Path> targets, NodeLayout layout) throws Exception {
        for (Path target : targets) {
            assertEquals(layout.agentSocket().getParent(), Files.readSymbolicLink(target));
        }
    }
}
