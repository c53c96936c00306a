package dev.spiffecsi.engine.os;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Locale;

/**
 * Loads libc with JNA without the {@code /sbin/ldconfig -p} that JNA otherwise runs, as a child process, the first
 * time it loads any library (to learn the linker's search path). For libc that search is pointless, and the fork
 * costs start-up time, a "process reaper" thread and, at debug, a ProcessBuilder stack trace in the log. Setting
 * {@code jna.platform.library.path} (JNA's own default directories, without ldconfig's) skips it; a value the
 * operator set wins.
 */
final class NativeLibraries {

    static final String SEARCH_PATH_PROPERTY = "jna.platform.library.path";

    private NativeLibraries() {}

    static <T extends Library> T libc(Class<T> bindings) {
        setSearchPath();
        return Native.load("c", bindings);
    }

    /** Sets JNA's search path unless the operator did; before any library is loaded. */
    static void setSearchPath() {
        if (System.getProperty(SEARCH_PATH_PROPERTY) == null) {
            System.setProperty(SEARCH_PATH_PROPERTY, defaultSearchPath(System.getProperty("os.arch")));
        }
    }

    /** The directories JNA searches by default on Linux (Debian's multiarch first), without asking ldconfig. */
    static String defaultSearchPath(String osArch) {
        String multiarch = switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64", "arm64" -> "aarch64-linux-gnu";
            default -> osArch + "-linux-gnu";
        };
        return String.join(
                ":", "/usr/lib/" + multiarch, "/lib/" + multiarch, "/usr/lib64", "/lib64", "/usr/lib", "/lib");
    }
}
