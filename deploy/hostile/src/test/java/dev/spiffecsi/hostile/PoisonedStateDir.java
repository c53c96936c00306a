package dev.spiffecsi.hostile;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A state directory as a crash, a full disk, a bug or an attacker with a pod could leave it, and one good record:
 * <ul>
 * <li>{@code oversized}: a well-formed record of {@value #OVERSIZED_MIB} MiB (a pod's junk attribute that was
 * accepted once), named like the engine names records;</li>
 * <li>{@code corrupt}: JSON cut short;</li>
 * <li>{@code fifo}: a FIFO named {@code *.json}, which blocks whoever opens it for reading;</li>
 * <li>{@code symlink}: a symlink {@code *.json} to a record outside the state directory;</li>
 * <li>{@code out-of-tree}: a well-formed record whose target is outside the pods directory (an empty directory in
 * the sentinel tree, where a resumed volume would be mounted);</li>
 * </ul>
 * and {@code good}: a well-formed record of a pod volume, which must stay where it is.
 */
final class PoisonedStateDir {

    static final int OVERSIZED_MIB = 50;
    static final List<String> BAD = List.of("oversized", "corrupt", "fifo", "symlink", "out-of-tree");

    private final Path records;
    private final Map<String, Path> files = new LinkedHashMap<>();
    private final Path escapeTarget;

    private PoisonedStateDir(Path records, Path escapeTarget) {
        this.records = records;
        this.escapeTarget = escapeTarget;
    }

    /** Fills {@code node}'s state directory for {@code backend}'s records. */
    static PoisonedStateDir create(NodeTree node, String backend) throws IOException, InterruptedException {
        Path records = Files.createDirectories(node.recordsDir());
        Path escape = Files.createDirectories(node.outside().resolve("escape").resolve("mount"));
        PoisonedStateDir state = new PoisonedStateDir(records, escape);
        Path pods = node.podsDir();

        Path bigTarget = pods.resolve("0b0b0b0b-0000-0000-0000-000000000001/volumes/kubernetes.io~csi/v/mount");
        Path oversized = records.resolve(nameFor(bigTarget));
        try (BufferedWriter out = Files.newBufferedWriter(oversized, StandardCharsets.UTF_8)) {
            out.write(recordStart("csi-oversized", bigTarget, backend) + "\"csi.storage.k8s.io/junk\":\"");
            char[] chunk = "j".repeat(1024 * 1024).toCharArray();
            for (int i = 0; i < OVERSIZED_MIB; i++) {
                out.write(chunk);
            }
            out.write("\"}}");
        }
        state.files.put("oversized", oversized);

        Path corrupt = records.resolve("corrupt.json");
        Files.writeString(corrupt, "{\"volumeId\":\"csi-corrupt\",\"targetPath\":\"" + pods + "/c/mount\",\"vol");
        state.files.put("corrupt", corrupt);

        Path fifo = records.resolve("fifo.json");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString())
                .redirectErrorStream(true)
                .start();
        if (!mkfifo.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
            throw new IOException("mkfifo " + fifo + " failed: "
                    + new String(mkfifo.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        state.files.put("fifo", fifo);

        Path linkTarget = pods.resolve("0b0b0b0b-0000-0000-0000-000000000002/volumes/kubernetes.io~csi/v/mount");
        Path outsideRecord = node.outside().resolve("record-outside.json");
        Files.writeString(outsideRecord, record("csi-linked", linkTarget, backend));
        Path symlink = records.resolve("symlink.json");
        Files.createSymbolicLink(symlink, outsideRecord);
        state.files.put("symlink", symlink);

        Path outOfTree = records.resolve(nameFor(escape));
        Files.writeString(outOfTree, record("csi-out-of-tree", escape, backend));
        state.files.put("out-of-tree", outOfTree);

        Path goodTarget = pods.resolve("0b0b0b0b-0000-0000-0000-000000000003/volumes/kubernetes.io~csi/v/mount");
        Path good = records.resolve(nameFor(goodTarget));
        Files.writeString(good, record("csi-good", goodTarget, backend));
        state.files.put("good", good);
        return state;
    }

    Path file(String kind) {
        return files.get(kind);
    }

    /** Where the out-of-tree record would have its volume mounted. */
    Path escapeTarget() {
        return escapeTarget;
    }

    /** Whether the record of {@code kind} is still under its own name, as a record the engine would load. */
    boolean inPlace(String kind) {
        return Files.exists(files.get(kind), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Where the record of {@code kind} was moved: an entry below the state directory (links not followed) whose name
     * starts with the record's file name, other than the record's own path, which is no {@code *.json} the engine
     * would load again; empty when there is none (it was deleted, or is still in place).
     */
    java.util.Optional<Path> movedTo(String kind, Path stateDir) throws IOException {
        Path original = files.get(kind);
        String name = original.getFileName().toString();
        try (Stream<Path> all = Files.walk(stateDir)) {
            return all.filter(path -> !path.equals(original))
                    .filter(path -> path.getFileName().toString().startsWith(name))
                    .filter(path -> !(path.getParent().equals(records)
                            && path.getFileName().toString().endsWith(".json")))
                    .findFirst();
        }
    }

    private static String recordStart(String volumeId, Path target, String backend) {
        return "{\"volumeId\":\"" + volumeId + "\",\"targetPath\":\"" + target + "\",\"backend\":\"" + backend
                + "\",\"readOnly\":true,\"volumeContext\":{";
    }

    /** A record as the engine writes it, the pod uid the one in the target path when it has one. */
    private static String record(String volumeId, Path target, String backend) {
        String uid = target.toString().contains("/volumes/kubernetes.io~csi/")
                ? target.getName(target.getNameCount() - 5).toString()
                : "0b0b0b0b-0000-0000-0000-000000000004";
        return recordStart(volumeId, target, backend) + "\"csi.storage.k8s.io/ephemeral\":\"true\","
                + "\"csi.storage.k8s.io/pod.name\":\"web\",\"csi.storage.k8s.io/pod.namespace\":\"default\","
                + "\"csi.storage.k8s.io/pod.uid\":\"" + uid + "\","
                + "\"csi.storage.k8s.io/serviceAccount.name\":\"default\"},\"publishedAt\":\"2026-01-01T00:00:00Z\"}";
    }

    /** The engine's name for a target's record: the hex SHA-256 of the path, {@code .json}. */
    private static String nameFor(Path target) {
        try {
            return HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256")
                                    .digest(target.toString().getBytes(StandardCharsets.UTF_8)))
                    + ".json";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
