package dev.spiffecsi.engine.state;

import dev.spiffecsi.engine.os.SmallFiles;
import dev.spiffecsi.spi.LogSafe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
 * the kubelet publishes again; an fsync would buy nothing and cost a disk flush per publish. Unreadable files are
 * moved aside, not fatal: the kernel is the truth for mounts.
 *
 * <p>A record is read back as untrusted input, because what it holds came from a pod spec and a driver that loads
 * it at every start must never be kept from starting by it: each file is read only if it is a regular file (no
 * symlink followed, no FIFO waited on) of at most {@value #MAX_RECORD_BYTES} bytes, and kept only if its target is
 * confined below the kubelet pods directory. Anything else is moved
 * aside as {@code <name>.corrupt}, with one warning, and the driver starts without it.
 */
public final class StateStore {

    private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);

    /**
     * Far above any record the engine writes (the volume context it accepts is bounded, 16 KiB by default), far below
     * what could hurt the heap.
     */
    public static final int MAX_RECORD_BYTES = 1024 * 1024;

    private final Path directory;
    private final Path podsDir;
    private final Map<Path, VolumeRecord> byTarget = new ConcurrentHashMap<>();

    private StateStore(Path directory, Path podsDir) {
        this.directory = directory;
        this.podsDir = podsDir;
    }

    /**
     * Opens (creating if needed, mode 0700) the store below {@code stateDir} and loads every record whose target is
     * below {@code podsDir}.
     */
    public static StateStore open(Path stateDir, Path podsDir) throws IOException {
        Path directory = stateDir.resolve("volumes");
        if (!Files.isDirectory(directory)) {
            // the records name pods: readable by root only, whatever the state directory's own mode
            Files.createDirectories(
                    directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        StateStore store = new StateStore(directory, podsDir.normalize());
        store.load();
        return store;
    }

    private void load() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
            for (Path file : files) {
                try {
                    VolumeRecord record = VolumeRecordCodec.decode(SmallFiles.read(file, MAX_RECORD_BYTES));
                    requireConfined(record);
                    byTarget.put(record.target(), record);
                } catch (IOException e) {
                    Path aside = file.resolveSibling(file.getFileName() + ".corrupt");
                    LOG.warn("volume record {} moved to {}: {}", file, aside, LogSafe.text(e.getMessage(), 512));
                    // a rename, never a read: also right for a FIFO or a symlink, which moves as itself
                    Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }

    /** A record for a target outside the pods directory is not one the engine wrote; nothing may act on it. */
    private void requireConfined(VolumeRecord record) throws IOException {
        Path target = record.target();
        if (!target.isAbsolute()
                || !target.equals(target.normalize())
                || !target.startsWith(podsDir)
                || target.getNameCount() <= podsDir.getNameCount()) {
            throw new IOException("its target " + LogSafe.value(record.targetPath()) + " is not below the kubelet "
                    + "pods directory " + podsDir);
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
