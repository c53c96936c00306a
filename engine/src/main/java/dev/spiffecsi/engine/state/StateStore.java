package dev.spiffecsi.engine.state;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
 * Files are written to a temporary name, fsynced and renamed, so a crash leaves either the old or the new
 * record, never a torn one. Unreadable files are moved aside, not fatal: the kernel is the truth for mounts.
 */
public final class StateStore {

    private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);

    private final Path directory;
    private final ObjectMapper json;
    private final Map<Path, VolumeRecord> byTarget = new ConcurrentHashMap<>();

    private StateStore(Path directory) {
        this.directory = directory;
        this.json = JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
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
        store.warmUp();
        return store;
    }

    private void load() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
            for (Path file : files) {
                try {
                    VolumeRecord record = json.readValue(file.toFile(), VolumeRecord.class);
                    if (record.volumeId() == null || record.targetPath() == null) {
                        throw new IOException("missing volumeId or targetPath");
                    }
                    byTarget.put(record.target(), record);
                } catch (IOException e) {
                    Path aside = file.resolveSibling(file.getFileName() + ".corrupt");
                    LOG.warn("unreadable volume record {} moved to {}: {}", file, aside, e.getMessage());
                    Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /**
     * Builds Jackson's (de)serializers for records now rather than on the first publish, which would otherwise
     * pay for it (and hold Jackson's cache lock while concurrent publishes wait) in the kubelet's first storm.
     */
    private void warmUp() throws IOException {
        VolumeRecord sample = new VolumeRecord("warm-up", "/warm-up", "none", true, Map.of("k", "v"),
                java.time.Instant.EPOCH);
        json.readValue(json.writeValueAsBytes(sample), VolumeRecord.class);
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
            byte[] bytes = json.writeValueAsBytes(record);
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(bytes));
                channel.force(true);
            }
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
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(target.toString().getBytes(StandardCharsets.UTF_8));
            return directory.resolve(HexFormat.of().formatHex(digest) + ".json");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
