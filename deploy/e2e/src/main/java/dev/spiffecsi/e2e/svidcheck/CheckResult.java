package dev.spiffecsi.e2e.svidcheck;

/**
 * One check of {@code svid-check} and its outcome, printed as one line: {@code PASS name: detail} or
 * {@code FAIL name: detail}. The end-to-end tier quotes these lines in its failure messages.
 */
record CheckResult(String name, boolean passed, String detail) {

    static CheckResult pass(String name, String detail) {
        return new CheckResult(name, true, detail);
    }

    static CheckResult fail(String name, String detail) {
        return new CheckResult(name, false, detail);
    }

    String line() {
        return (passed ? "PASS " : "FAIL ") + name + ": " + detail;
    }
}
