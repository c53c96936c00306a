package dev.spiffecsi.dev.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CleanupStackTest {

    private final CleanupStack stack = new CleanupStack();
    private final List<String> done = new ArrayList<>();

    @Test
    void unwindsNewestFirstAndOnlyOnce() {
        stack.push("first", () -> done.add("first"));
        stack.push("second", () -> done.add("second"));

        stack.unwind();
        stack.unwind();

        assertEquals(List.of("second", "first"), done);
    }

    @Test
    void aFailureIsReportedAndTheRestStillRuns() {
        stack.push("stop the agent", () -> done.add("agent"));
        stack.push("stop the driver", () -> {
            throw new IllegalStateException("busy");
        });

        List<String> failures = stack.unwind();

        assertEquals(List.of("could not stop the driver: busy"), failures);
        assertEquals(List.of("agent"), done);
    }

    @Test
    void anActionRunEarlyIsNotRunAgain() throws Exception {
        CleanupStack.Pushed unpublish = stack.push("unpublish", () -> done.add("unpublish"));

        unpublish.runNow();
        stack.unwind();
        unpublish.runNow();

        assertEquals(List.of("unpublish"), done);
    }

    @Test
    void anActionPushedAfterTheUnwindRunsAtOnce() {
        stack.unwind();

        stack.push("late", () -> done.add("late"));

        assertEquals(List.of("late"), done);
    }
}
