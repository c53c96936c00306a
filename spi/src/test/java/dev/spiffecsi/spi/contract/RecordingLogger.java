package dev.spiffecsi.spi.contract;

import java.text.MessageFormat;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link System.Logger} that keeps what is logged, for assertions on what a backend logs. */
public final class RecordingLogger implements System.Logger {

    /** One logged record: its level and formatted message. */
    public record Entry(Level level, String message) {}

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    public List<Level> levels() {
        return entries.stream().map(Entry::level).toList();
    }

    @Override
    public String getName() {
        return "recording";
    }

    @Override
    public boolean isLoggable(Level level) {
        return true;
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
        entries.add(new Entry(level, message));
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        entries.add(new Entry(level, params == null ? format : MessageFormat.format(format, params)));
    }
}
