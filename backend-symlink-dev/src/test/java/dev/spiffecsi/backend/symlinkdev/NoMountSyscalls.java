package dev.spiffecsi.backend.symlinkdev;

import dev.spiffecsi.engine.os.JnaMountSyscalls;
import dev.spiffecsi.spi.MountSyscalls;
import dev.spiffecsi.spi.ResolvedTarget;
import java.io.IOException;
import java.nio.file.Path;

/** symlink-dev never mounts; any call here but the resolution of a target is a bug the tests should see. */
final class NoMountSyscalls implements MountSyscalls {

    private final MountSyscalls real = new JnaMountSyscalls();

    @Override
    public ResolvedTarget resolveBeneath(Path root, Path target) throws IOException {
        return real.resolveBeneath(root, target);
    }

    @Override
    public void bindWithAttributes(Path source, ResolvedTarget target, long attributes) {
        throw new UnsupportedOperationException("symlink-dev never mounts");
    }

    @Override
    public void mount(String source, Path target, String fsType, long flags, String data) {
        throw new UnsupportedOperationException("symlink-dev never mounts");
    }

    @Override
    public void umount2(Path target, int flags) {
        throw new UnsupportedOperationException("symlink-dev never unmounts");
    }

    @Override
    public void bindWithAttributes(Path source, Path target, long attributes) {
        throw new UnsupportedOperationException("symlink-dev never mounts");
    }

    @Override
    public long mountFlags(Path path) {
        throw new UnsupportedOperationException("symlink-dev does not use statvfs");
    }

    @Override
    public FileStatus stat(Path path) {
        throw new UnsupportedOperationException("symlink-dev does not use statx");
    }
}
