package dev.spiffecsi.dev.agent;

import dev.spiffecsi.backend.fuseproxy.peer.UnixPeer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Attests a process that a delegate names by pid, as SPIRE's unix workload attestor does: by the process's
 * <em>effective</em> ids, the second numbers of the {@code Uid:} and {@code Gid:} lines of
 * {@code /proc/<pid>/status} (real, effective, saved, filesystem). SO_PEERCRED reports the effective ids as well,
 * so a process is the same workload whether it calls the Workload API itself or a delegate asks on its behalf. The
 * pid is one of the agent's pid namespace.
 */
final class ProcessAttestor {

    private static final Path PROC = Path.of("/proc");

    private ProcessAttestor() {}

    /** The process as SO_PEERCRED would report it, had it connected itself. */
    static UnixPeer attest(int pid) throws IOException {
        if (pid <= 0) {
            throw new IOException("no process has pid " + pid);
        }
        Path status = PROC.resolve(Integer.toString(pid)).resolve("status");
        List<String> lines;
        try {
            lines = Files.readAllLines(status);
        } catch (NoSuchFileException e) {
            throw new IOException("no process with pid " + pid, e);
        }
        return new UnixPeer(pid, effectiveId(lines, "Uid:", status), effectiveId(lines, "Gid:", status));
    }

    private static int effectiveId(List<String> lines, String field, Path status) throws IOException {
        for (String line : lines) {
            if (line.startsWith(field)) {
                return Integer.parseInt(line.substring(field.length()).trim().split("\\s+")[1]);
            }
        }
        throw new IOException(status + " has no " + field + " line");
    }
}
