package dev.spiffecsi.dev.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Attests a process that a delegate names by pid, as SPIRE's unix workload attestor does: by the process's
 * <em>effective</em> uid, the second number of the {@code Uid:} line of {@code /proc/<pid>/status} (real,
 * effective, saved, filesystem). SO_PEERCRED reports the effective uid as well, so a process is the same workload
 * whether it calls the Workload API itself or a delegate asks on its behalf. The pid is one of the agent's pid
 * namespace.
 */
final class ProcessAttestor {

    private static final Path PROC = Path.of("/proc");

    private ProcessAttestor() {
    }

    static Caller attest(int pid) throws IOException {
        if (pid <= 0) {
            throw new IOException("no process has pid " + pid);
        }
        Path status = PROC.resolve(Integer.toString(pid)).resolve("status");
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("Uid:")) {
                    String[] uids = line.substring("Uid:".length()).trim().split("\\s+");
                    return new Caller(pid, Integer.parseInt(uids[1]));
                }
            }
        } catch (NoSuchFileException e) {
            throw new IOException("no process with pid " + pid, e);
        }
        throw new IOException(status + " has no Uid: line");
    }
}
