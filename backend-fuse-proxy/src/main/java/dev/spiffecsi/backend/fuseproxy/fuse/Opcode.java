package dev.spiffecsi.backend.fuseproxy.fuse;

import java.util.Map;

/** The {@code enum fuse_opcode} values (linux/fuse.h) this filesystem tells apart. */
final class Opcode {

    static final int LOOKUP = 1;
    static final int FORGET = 2;
    static final int GETATTR = 3;
    static final int SETATTR = 4;
    static final int SYMLINK = 6;
    static final int MKNOD = 8;
    static final int MKDIR = 9;
    static final int UNLINK = 10;
    static final int RENAME = 12;
    static final int LINK = 13;
    static final int OPEN = 14;
    static final int READ = 15;
    static final int WRITE = 16;
    static final int STATFS = 17;
    static final int RELEASE = 18;
    static final int GETXATTR = 22;
    static final int LISTXATTR = 23;
    static final int FLUSH = 25;
    static final int INIT = 26;
    static final int OPENDIR = 27;
    static final int READDIR = 28;
    static final int RELEASEDIR = 29;
    static final int ACCESS = 34;
    static final int CREATE = 35;
    static final int INTERRUPT = 36;
    static final int DESTROY = 38;
    static final int BATCH_FORGET = 42;
    static final int RENAME2 = 45;
    static final int TMPFILE = 51;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(LOOKUP, "LOOKUP"), Map.entry(FORGET, "FORGET"), Map.entry(GETATTR, "GETATTR"),
            Map.entry(SETATTR, "SETATTR"), Map.entry(SYMLINK, "SYMLINK"), Map.entry(MKNOD, "MKNOD"),
            Map.entry(MKDIR, "MKDIR"), Map.entry(UNLINK, "UNLINK"), Map.entry(RENAME, "RENAME"),
            Map.entry(LINK, "LINK"), Map.entry(OPEN, "OPEN"), Map.entry(READ, "READ"), Map.entry(WRITE, "WRITE"),
            Map.entry(STATFS, "STATFS"), Map.entry(RELEASE, "RELEASE"), Map.entry(FLUSH, "FLUSH"), Map.entry(GETXATTR, "GETXATTR"),
            Map.entry(LISTXATTR, "LISTXATTR"), Map.entry(INIT, "INIT"), Map.entry(OPENDIR, "OPENDIR"),
            Map.entry(READDIR, "READDIR"), Map.entry(RELEASEDIR, "RELEASEDIR"), Map.entry(ACCESS, "ACCESS"),
            Map.entry(CREATE, "CREATE"), Map.entry(INTERRUPT, "INTERRUPT"), Map.entry(DESTROY, "DESTROY"),
            Map.entry(BATCH_FORGET, "BATCH_FORGET"), Map.entry(RENAME2, "RENAME2"), Map.entry(TMPFILE, "TMPFILE"));

    private Opcode() {
    }

    /** A name for logs. */
    static String name(int opcode) {
        return NAMES.getOrDefault(opcode, "opcode " + opcode);
    }
}
