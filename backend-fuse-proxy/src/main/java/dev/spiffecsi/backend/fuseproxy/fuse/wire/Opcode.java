package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import java.util.Map;

/** The {@code enum fuse_opcode} values (linux/fuse.h) this filesystem tells apart. */
public final class Opcode {

    public static final int LOOKUP = 1;
    public static final int FORGET = 2;
    public static final int GETATTR = 3;
    public static final int SETATTR = 4;
    public static final int SYMLINK = 6;
    public static final int MKNOD = 8;
    public static final int MKDIR = 9;
    public static final int UNLINK = 10;
    public static final int RENAME = 12;
    public static final int LINK = 13;
    public static final int OPEN = 14;
    public static final int READ = 15;
    public static final int WRITE = 16;
    public static final int STATFS = 17;
    public static final int RELEASE = 18;
    public static final int GETXATTR = 22;
    public static final int LISTXATTR = 23;
    public static final int FLUSH = 25;
    public static final int INIT = 26;
    public static final int OPENDIR = 27;
    public static final int READDIR = 28;
    public static final int RELEASEDIR = 29;
    public static final int ACCESS = 34;
    public static final int CREATE = 35;
    public static final int INTERRUPT = 36;
    public static final int DESTROY = 38;
    public static final int BATCH_FORGET = 42;
    public static final int RENAME2 = 45;
    public static final int TMPFILE = 51;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(LOOKUP, "LOOKUP"),
            Map.entry(FORGET, "FORGET"),
            Map.entry(GETATTR, "GETATTR"),
            Map.entry(SETATTR, "SETATTR"),
            Map.entry(SYMLINK, "SYMLINK"),
            Map.entry(MKNOD, "MKNOD"),
            Map.entry(MKDIR, "MKDIR"),
            Map.entry(UNLINK, "UNLINK"),
            Map.entry(RENAME, "RENAME"),
            Map.entry(LINK, "LINK"),
            Map.entry(OPEN, "OPEN"),
            Map.entry(READ, "READ"),
            Map.entry(WRITE, "WRITE"),
            Map.entry(STATFS, "STATFS"),
            Map.entry(RELEASE, "RELEASE"),
            Map.entry(FLUSH, "FLUSH"),
            Map.entry(GETXATTR, "GETXATTR"),
            Map.entry(LISTXATTR, "LISTXATTR"),
            Map.entry(INIT, "INIT"),
            Map.entry(OPENDIR, "OPENDIR"),
            Map.entry(READDIR, "READDIR"),
            Map.entry(RELEASEDIR, "RELEASEDIR"),
            Map.entry(ACCESS, "ACCESS"),
            Map.entry(CREATE, "CREATE"),
            Map.entry(INTERRUPT, "INTERRUPT"),
            Map.entry(DESTROY, "DESTROY"),
            Map.entry(BATCH_FORGET, "BATCH_FORGET"),
            Map.entry(RENAME2, "RENAME2"),
            Map.entry(TMPFILE, "TMPFILE"));

    private Opcode() {}

    /** A name for logs. */
    public static String name(int opcode) {
        return NAMES.getOrDefault(opcode, "opcode " + opcode);
    }
}
