package dev.spiffecsi.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogSafeTest {

    @Test
    void quotesAPlainValue() {
        assertEquals("\"spiffe://example.org/web\"", LogSafe.value("spiffe://example.org/web"));
    }

    @Test
    void aNewlineCannotForgeALogLine() {
        String forged = LogSafe.value("x\n2026-12-07 INFO volume published\r\t\u0000\u001b[31m\u0085\u2028");
        assertFalse(forged.contains("\n"));
        assertFalse(forged.contains("\r"));
        assertEquals("\"x\\n2026-12-07 INFO volume published\\r\\t\\x00\\x1b[31m\\u0085\\u2028\"", forged);
    }

    @Test
    void quotesAndBackslashesAreEscapedSoTheValueEndsWhereItSeemsTo() {
        assertEquals("\"a\\\"b\\\\c\"", LogSafe.value("a\"b\\c"));
    }

    @Test
    void aLongValueIsCutAndItsLengthTold() {
        String value = "a".repeat(1_400_000);
        String safe = LogSafe.value(value);
        assertTrue(safe.length() < LogSafe.MAX_CHARS + 40, safe.length() + " characters");
        assertTrue(safe.endsWith("\"...(1400000 characters)"), safe.substring(safe.length() - 40));
    }

    @Test
    void nullIsNamed() {
        assertEquals("<none>", LogSafe.value(null));
    }

    @Test
    void aPlainTokenKeepsItsLookAndAHostileOneIsQuoted() {
        assertEquals("csi-0a1b", LogSafe.token("csi-0a1b", 512));
        assertEquals(
                "/var/lib/kubelet/pods/u/volumes/kubernetes.io~csi/v/mount",
                LogSafe.token("/var/lib/kubelet/pods/u/volumes/kubernetes.io~csi/v/mount", 512));
        assertEquals("\"a b\"", LogSafe.token("a b", 512));
        assertEquals("\"x\\ny=1\"", LogSafe.token("x\ny=1", 512));
        assertEquals("\"\"", LogSafe.token("", 512));
        assertTrue(LogSafe.token("v".repeat(600), 512).endsWith("...(600 characters)"));
    }

    @Test
    void freeTextStaysOnItsLine() {
        assertEquals("target_path \"/a\\nb\" is bad", LogSafe.text("target_path \"/a\nb\" is bad", 100));
        assertEquals("ab...(4 characters)", LogSafe.text("abcd", 2));
    }
}
