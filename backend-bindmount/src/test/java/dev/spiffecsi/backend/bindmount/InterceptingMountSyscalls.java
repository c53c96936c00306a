package dev.spiffecsi.backend.bindmount;

import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.ResolvedTarget;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The real system calls, with a hook run once right after the next stat (the backend's check of the target, which
 * comes before it mounts or unmounts), and optionally without the new mount API, as on a kernel before 5.12.
 */
final class InterceptingMountSyscalls implements MountSyscalls {

    private final MountSyscalls real = new JnaMountSyscalls();
    private volatile Runnable afterNextStat;
    private volatile boolean oldKernel;

    /** Runs {@code hook} once, after the next stat returns. */
    void afterNextStat(Runnable hook) {
        afterNextStat = hook;
    }

    /** Answers the new mount API with ENOSYS, so that the backend uses mount(2). */
    void actAsAnOldKernel() {
        oldKernel = true;
    }

    private void statted() {
        Runnable hook = afterNextStat;
        if (hook != null) {
            afterNextStat = null;
            hook.run();
        }
    }

    @Override
    public FileStatus stat(Path path) throws IOException {
        try {
            return real.stat(path);
        } finally {
            statted();
        }
    }

    @Override
    public Optional<FileStatus> statIfExists(Path path) throws IOException {
        try {
            return real.statIfExists(path);
        } finally {
            statted();
        }
    }

    @Override
    public void mount(String source, Path target, String fsType, long flags, String data) throws IOException {
        real.mount(source, target, fsType, flags, data);
    }

    @Override
    public void bindWithAttributes(Path source, Path target, long attributes) throws IOException {
        if (oldKernel) {
            throw new ErrnoException("open_tree", source, ENOSYS, "an old kernel");
        }
        real.bindWithAttributes(source, target, attributes);
    }

    @Override
    public void bindWithAttributes(Path source, ResolvedTarget target, long attributes) throws IOException {
        if (oldKernel) {
            throw new ErrnoException("open_tree", source, ENOSYS, "an old kernel");
        }
        real.bindWithAttributes(source, target, attributes);
    }

    @Override
    public ResolvedTarget resolveBeneath(Path root, Path target) throws IOException {
        return real.resolveBeneath(root, target);
    }

    @Override
    public long mountFlags(Path path) throws IOException {
        return real.mountFlags(path);
    }

    @Override
    public void umount2(Path target, int flags) throws IOException {
        real.umount2(target, flags);
    }
}
