package dev.spiffecsi.e2e.rig;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The kubelet's log on the node (the rig runs it at {@code --vmodule=csi_client=4}: it logs every CSI call it makes,
 * e.g. {@code "kubernetes.io/csi: calling NodePublishVolume rpc" ... targetPath="..."}). Read from a mark, so that
 * a check sees only the calls made since it started.
 */
public record KubeletLog(Path file) {

    /** The log's current end. */
    public long mark() {
        return file.toFile().length();
    }

    /** The lines written since {@code mark} that mention a CSI call of {@code method} for {@code targetPath}. */
    public List<String> csiCallsSince(long mark, String method, String targetPath) {
        return since(mark).stream()
                .filter(line -> line.contains("calling " + method + " rpc") && line.contains(targetPath))
                .toList();
    }

    public List<String> since(long mark) {
        try (RandomAccessFile log = new RandomAccessFile(file.toFile(), "r")) {
            long length = log.length();
            long from = Math.min(mark, length);
            byte[] bytes = new byte[(int) (length - from)];
            log.seek(from);
            log.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the kubelet's log " + file + ": " + e.getMessage(), e);
        }
    }
}
