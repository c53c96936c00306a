package dev.spiffecsi.hostile;

import dev.spiffecsi.dev.kubelet.Pod;
import dev.spiffecsi.dev.kubelet.PodVolumeLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Symlinks swapped in under the driver, between and during its calls, at the trap pods: the volume directory (the
 * target's parent, which the kubelet creates) is renamed aside and replaced with a symlink into the sentinel tree,
 * or the target itself becomes a symlink into it; swapping again puts the real directory back. Renames keep a
 * target that was mounted (and its mount) below the pods directory.
 */
final class TrapSwaps {

    private final PodVolumeLayout layout;
    private final List<Pod> traps;
    private final List<Path> outsideDirs;
    private final boolean[] parentSwapped;
    private final boolean[] targetLinked;
    private int swaps;
    private int skipped;

    /** {@code outsideDirs.get(i)}: where trap {@code i}'s symlinks point; must exist. */
    TrapSwaps(PodVolumeLayout layout, List<Pod> traps, List<Path> outsideDirs) {
        this.layout = layout;
        this.traps = traps;
        this.outsideDirs = outsideDirs;
        this.parentSwapped = new boolean[traps.size()];
        this.targetLinked = new boolean[traps.size()];
    }

    synchronized void toggle(int trap, FuzzStep.SwapKind kind) {
        Path target = layout.targetPath(traps.get(trap));
        Path parent = target.getParent();
        Path aside = parent.resolveSibling(parent.getFileName() + ".real");
        try {
            if (kind == FuzzStep.SwapKind.PARENT && !targetLinked[trap]) {
                if (!parentSwapped[trap]) {
                    Files.move(parent, aside);
                    Files.createSymbolicLink(parent, outsideDirs.get(trap));
                } else {
                    Files.delete(parent);
                    Files.move(aside, parent);
                }
                parentSwapped[trap] = !parentSwapped[trap];
                swaps++;
            } else if (kind == FuzzStep.SwapKind.TARGET && !parentSwapped[trap]) {
                if (!targetLinked[trap] && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(
                            target,
                            outsideDirs
                                    .get(trap)
                                    .resolveSibling(outsideDirs.get(trap).getFileName() + "-target"));
                    targetLinked[trap] = true;
                    swaps++;
                } else if (targetLinked[trap]) {
                    if (Files.isSymbolicLink(target)) {
                        Files.delete(target);
                    }
                    targetLinked[trap] = false;
                    swaps++;
                } else {
                    skipped++; // a real target is there (published): nothing to swap
                }
            } else {
                skipped++;
            }
        } catch (IOException e) {
            skipped++; // e.g. the driver created or removed the target meanwhile
        }
    }

    /** Puts every real directory back and removes the target links, before the final unpublish. */
    synchronized void restoreAll() {
        for (int trap = 0; trap < traps.size(); trap++) {
            if (parentSwapped[trap]) {
                toggle(trap, FuzzStep.SwapKind.PARENT);
            }
            if (targetLinked[trap]) {
                toggle(trap, FuzzStep.SwapKind.TARGET);
            }
        }
    }

    synchronized int swaps() {
        return swaps;
    }

    synchronized int skipped() {
        return skipped;
    }
}
