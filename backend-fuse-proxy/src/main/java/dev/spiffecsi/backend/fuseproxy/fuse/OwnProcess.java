package dev.spiffecsi.backend.fuseproxy.fuse;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tells the driver's own threads from everyone else's among FUSE callers, so that only the driver can make,
 * remove or change the socket: a root process in the pod must not replace it with an impostor that other
 * containers of the pod would trust.
 *
 * <p>{@code fuse_in_header.pid} is the calling thread's id in the pid namespace of the process that mounted (this
 * one), and 0 for a caller that namespace cannot see. The caller is blocked in its system call until the reply, so
 * its id cannot be reused meanwhile.
 */
final class OwnProcess {

    private static final Path TASKS = Path.of("/proc/self/task");

    private OwnProcess() {}

    static boolean hasThread(int tid) {
        return tid > 0 && Files.isDirectory(TASKS.resolve(Integer.toString(tid)));
    }
}
