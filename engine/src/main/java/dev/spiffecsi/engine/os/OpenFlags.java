package dev.spiffecsi.engine.os;

/** open(2) and *at(2) flags, from the kernel's uapi headers (the same on x86-64 and arm64). */
final class OpenFlags {
    static final int AT_FDCWD = -100;
    static final int O_DIRECTORY = 0200000;
    static final int O_NOFOLLOW = 0400000;
    static final int O_CLOEXEC = 02000000;
    static final int O_PATH = 010000000;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int AT_REMOVEDIR = 0x200;

    /** A directory held for resolving names in it, never for reading it. */
    static final int DIRECTORY_HANDLE = O_PATH | O_DIRECTORY | O_CLOEXEC;
    /** The same, refusing a symlink as the final component (ENOTDIR: O_DIRECTORY applies to the link itself). */
    static final int DIRECTORY_HANDLE_NOFOLLOW = DIRECTORY_HANDLE | O_NOFOLLOW;

    private OpenFlags() {}
}
