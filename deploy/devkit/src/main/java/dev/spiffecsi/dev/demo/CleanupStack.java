package dev.spiffecsi.dev.demo;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What to undo, undone last-in first-out and exactly once: by the demo itself, or by the shutdown hook on Ctrl-C,
 * whichever comes first. An action pushed after the stack was unwound runs at once.
 */
final class CleanupStack {

    /** One undo action. */
    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    /** A pushed action, which its owner may also run early, as a regular step. */
    interface Pushed {
        /** Runs the action now, unless the stack already did; failures are thrown, not collected. */
        void runNow() throws Exception;
    }

    private final class Entry implements Pushed {
        private final String description;
        private final Action action;

        private Entry(String description, Action action) {
            this.description = description;
            this.action = action;
        }

        @Override
        public void runNow() throws Exception {
            if (remove(this)) {
                action.run();
            }
        }

        private String attempt() {
            try {
                action.run();
                return null;
            } catch (Exception e) {
                return "could not " + description + ": " + e.getMessage();
            }
        }
    }

    private final Deque<Entry> entries = new ArrayDeque<>();
    private boolean unwound;

    /**
     * @param description what the action does, for a failure message ("stop the driver")
     */
    Pushed push(String description, Action action) {
        Entry entry = new Entry(description, action);
        synchronized (this) {
            if (!unwound) {
                entries.push(entry);
                return entry;
            }
        }
        String failure = entry.attempt();
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
        return entry;
    }

    private synchronized boolean remove(Entry entry) {
        return entries.remove(entry);
    }

    /** Runs every action, newest first, even when some fail; returns the failures, one line each. */
    synchronized List<String> unwind() {
        unwound = true;
        List<String> failures = new ArrayList<>();
        while (!entries.isEmpty()) {
            String failure = entries.pop().attempt();
            if (failure != null) {
                failures.add(failure);
            }
        }
        return failures;
    }
}
