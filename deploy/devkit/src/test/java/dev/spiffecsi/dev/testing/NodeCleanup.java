package dev.spiffecsi.dev.testing;

import dev.spiffecsi.dev.demo.Leftovers;
import dev.spiffecsi.dev.demo.NodeLayout;
import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.MountSyscalls;
import java.io.IOException;
import java.nio.file.Path;

/** Test teardown of a node: mounts a failed test left behind are detached first, so that nothing leaks. */
public final class NodeCleanup {

    private NodeCleanup() {}

    public static void detachLeftoversAndDelete(NodeLayout layout) throws IOException {
        MountSyscalls mounts = new JnaMountSyscalls();
        for (Path mount : Leftovers.mountsBelow(layout.root()).reversed()) {
            mounts.umount2(mount, MountSyscalls.MNT_DETACH);
        }
        layout.delete();
    }
}
