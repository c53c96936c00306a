package dev.spiffecsi.engine.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The published volumes, one JSON file per target path under {@code <state-dir>/volumes}, mirrored in memory.
 * Files are written to a temporary name and renamed, so a driver that dies mid-write leaves either the old or the
 * new record, never a torn one. They are not fsynced: a record matters only while its mount exists, and every
 * failure that could lose unsynced data (a kernel crash, a power loss) takes the node's mounts with it, after which
 * the kubelet publishes again; an fsync would buy nothing and cost ~1 ms per publish on disk. Unreadable files are
 * moved aside, not fatal: the kernel is the truth for mounts.
 */
public final class StateStore {

    private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);

    private final Path directory;
    private final Map<Path, VolumeRecord> byTarget = new ConcurrentHashMap<>();

    private StateStore(Path directory) {
        this.directory = directory;
    }

    /** Opens (creating if needed, mode 0700) the store below {@code stateDir} and loads every record. */
    public static StateStore open(Path stateDir) throws IOException {
        Path directory = stateDir.resolve("volumes");
        if (!Files.isDirectory(directory)) {
            // the records name pods: readable by root only, whatever the state directory's own mode
            Files.createDirectories(directory,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        StateStore store = new StateStore(directory);
        store.load();
        return store;
    }

    private void load() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
            for (Path file : files) {
                try {
                    VolumeRecord record = VolumeRecordCodec.decode(Files.readAllBytes(file));
                    byTarget.put(record.target(), record);
                } catch (IOException e) {
                    Path aside = file.resolveSibling(file.getFileName() + ".corrupt");
                    LOG.warn("unreadable volume record {} moved to {}: {}", file, aside, e.getMessage());
                    Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    public Optional<VolumeRecord> get(Path target) {
        return Optional.ofNullable(byTarget.get(target));
    }

    public Collection<VolumeRecord> all() {
        return List.copyOf(byTarget.values());
    }

    public List<VolumeRecord> forBackend(String backend) {
        List<VolumeRecord> records = new ArrayList<>();
        for (VolumeRecord record : byTarget.values()) {
            if (backend.equals(record.backend())) {
                records.add(record);
            }
        }
        return records;
    }

    public int size() {
        return byTarget.size();
    }

    public void put(VolumeRecord record) {
        Path file = fileFor(record.target());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.write(temporary, VolumeRecordCodec.encode(record));
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record volume " + record.volumeId() + " in " + file, e);
        }
        byTarget.put(record.target(), record);
    }

    public void remove(Path target) {
        byTarget.remove(target);
        try {
            Files.deleteIfExists(fileFor(target));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the record of " + target, e);
        }
    }

    private Path fileFor(Path target) {
        byte[] digest = SHA_256.get().digest(target.toString().getBytes(StandardCharsets.UTF_8));
        return directory.resolve(HexFormat.of().formatHex(digest) + ".json");
    }

    /** One digest per thread: MessageDigest.getInstance looks the algorithm up in the providers on every call. */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    });
}
