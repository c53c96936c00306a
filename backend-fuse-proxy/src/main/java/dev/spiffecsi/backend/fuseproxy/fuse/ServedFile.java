package dev.spiffecsi.backend.fuseproxy.fuse;

import dev.spiffecsi.backend.fuseproxy.fuse.wire.Kstatfs;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * One read-only regular file of a volume.
 *
 * @param name    a single path component
 * @param mode    permission bits (the file type is added by the filesystem)
 * @param changed when the content last changed: the file's mtime and ctime, so that tools polling them notice a
 *                rotation
 */
public record ServedFile(String name, int mode, int uid, int gid, FileContent content, Instant changed) {

    public ServedFile {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(changed, "changed");
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0
                || bytes.length > Kstatfs.NAME_MAX
                || name.indexOf('/') >= 0
                || name.indexOf('\0') >= 0
                || name.equals(".")
                || name.equals("..")) {
            throw new IllegalArgumentException("not a valid file name: '" + name + "'");
        }
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException("permission bits only: " + Integer.toOctalString(mode));
        }
    }
}
