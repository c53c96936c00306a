package dev.spiffecsi.backend.fuseproxy.workload;

import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;

/** A System.Logger that keeps every line, for tests that count what was logged. */
final class CapturingLogger implements System.Logger {

    final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    public String getName() {
        return "capturing";
    }

    @Override
    public boolean isLoggable(Level level) {
        return true;
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
        lines.add(level + " " + message);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        lines.add(level + " " + format);
    }
}
