package dev.spiffecsi.backend.fuseproxy.fuse;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The read-only files a volume shows at one moment, replaced whole when anything changes. */
public final class FileSet {

    public static final FileSet EMPTY = new FileSet(List.of());

    private final Map<String, ServedFile> byName;

    public FileSet(List<ServedFile> files) {
        Map<String, ServedFile> named = new LinkedHashMap<>();
        for (ServedFile file : files) {
            if (named.put(file.name(), file) != null) {
                throw new IllegalArgumentException("two files named " + file.name());
            }
        }
        this.byName = named;
    }

    public Optional<ServedFile> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** In the order they were given. */
    public Collection<ServedFile> files() {
        return byName.values();
    }

    public boolean isEmpty() {
        return byName.isEmpty();
    }

    /** Wipes the secret content of a set that was made but will never be installed. */
    public void discard() {
        byName.values().forEach(file -> file.content().discardIfUnheld());
    }

    @Override
    public String toString() {
        return byName.keySet().toString();
    }
}
